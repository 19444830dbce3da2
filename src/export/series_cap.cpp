#include "export/series_cap.h"

namespace tcpsight {

Labels SeriesCap::admit(const std::string& family, Labels labels, const char* fold_label)
{
	auto& set = admitted_[family];
	if (!max_ || set.count(labels))
		return labels;
	if (set.size() < max_) {
		set.insert(labels);
		return labels;
	}
	folded_now_[family]++;
	for (auto& [k, v] : labels)
		if (k == fold_label)
			v = "other";
	return labels;
}

} // namespace tcpsight
