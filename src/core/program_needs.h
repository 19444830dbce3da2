// What a BPF program needs from the kernel, read from its own instructions before it
// is loaded: the helpers it calls. A rung whose programs call a helper the running
// kernel lacks (bpf_get_func_ret before 5.17, bpf_get_func_ip before 5.15) is refused
// in the ladder's plan with that reason, instead of by a failed verifier run.
#pragma once
#include <map>
#include <string>
#include <vector>

struct bpf_object;

namespace tcpsight {

// Helper ids (enum bpf_func_id) each program of an opened, not yet loaded object calls.
std::map<std::string, std::vector<int>> helpers_by_program(const bpf_object* obj);
// "bpf_get_func_ret" for 184; "bpf helper #N" for ids this build does not know.
std::string helper_name(int id);

} // namespace tcpsight
