// --max-series: a family admits new label sets until it holds that many, then folds
// the rest into `port="other"` / `daddr="other"` (the label that grows without bound).
// Admitted series stay admitted, so a counter never moves between its own series and
// "other"; the folded ones add into "other" and stay monotonic there.
#pragma once
#include <cstddef>
#include <map>
#include <set>
#include <string>

#include "export/exposition.h"

namespace tcpsight {

class SeriesCap {
public:
	explicit SeriesCap(size_t max_per_family) : max_(max_per_family) {}

	// The labels to record under: `labels` itself, or with `fold_label` set to "other".
	Labels admit(const std::string& family, Labels labels, const char* fold_label);

	// Label sets folded in the current collection, per family; call begin() before each.
	void begin() { folded_now_.clear(); }
	const std::map<std::string, size_t>& folded() const { return folded_now_; }

private:
	size_t max_;
	std::map<std::string, std::set<Labels>> admitted_; // at most max_ per family
	std::map<std::string, size_t> folded_now_;
};

} // namespace tcpsight
