# bpf_object(NAME SOURCE): compile a CO-RE BPF program and generate its libbpf skeleton.
#   clang -target bpf -> NAME.tmp.bpf.o -> `bpftool gen object` (static linking, as libbpf-bootstrap)
#   -> NAME.bpf.o -> `bpftool gen skeleton ... name NAME_bpf` -> NAME.skel.h
# Creates INTERFACE target NAME_skel carrying the skeleton's include dir and libbpf.
# Header dependencies come from clang's depfile (DEPFILE needs CMake >= 3.20 for Makefiles).

find_program(BPF_CLANG NAMES clang REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

execute_process(COMMAND ${BPF_CLANG} --version OUTPUT_VARIABLE _clang_ver)
string(REGEX MATCH "version ([0-9]+)" _m "${_clang_ver}")
if(CMAKE_MATCH_1 AND CMAKE_MATCH_1 LESS 12)
	message(FATAL_ERROR "clang ${CMAKE_MATCH_1} is too old for BPF CO-RE (need 12+)")
endif()

# With -target bpf, clang drops its host include dirs; add them back (libbpf-bootstrap's trick)
# so that <asm/types.h> and friends resolve.
execute_process(COMMAND sh -c "${BPF_CLANG} -v -E - </dev/null 2>&1 | sed -n '/<...> search starts here:/,/End of search list./{ s| \\(/.*\\)|-idirafter \\1|p }'"
	OUTPUT_VARIABLE _sys_inc OUTPUT_STRIP_TRAILING_WHITESPACE)
string(REPLACE "\n" ";" BPF_SYS_INCLUDES "${_sys_inc}")

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|amd64")
	set(BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
	set(BPF_ARCH arm64)
else()
	message(FATAL_ERROR "unsupported architecture ${CMAKE_SYSTEM_PROCESSOR}")
endif()

function(bpf_object name src)
	set(_out ${CMAKE_CURRENT_BINARY_DIR}/bpf)
	file(MAKE_DIRECTORY ${_out})
	set(_tmp ${_out}/${name}.tmp.bpf.o)
	set(_obj ${_out}/${name}.bpf.o)
	set(_skel ${_out}/${name}.skel.h)
	get_filename_component(_abs_src ${src} ABSOLUTE)
	add_custom_command(OUTPUT ${_tmp}
		COMMAND ${BPF_CLANG} -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_${BPF_ARCH}
			-Wall -Werror -Wno-unused-function
			-I${PROJECT_SOURCE_DIR}/vmlinux/${BPF_ARCH} -I${PROJECT_SOURCE_DIR}/bpf
			${BPF_SYS_INCLUDES} -MD -MF ${_tmp}.d -c ${_abs_src} -o ${_tmp}
		DEPFILE ${_tmp}.d
		DEPENDS ${_abs_src}
		COMMENT "BPF ${name}" VERBATIM)
	add_custom_command(OUTPUT ${_obj}
		COMMAND ${BPFTOOL} gen object ${_obj} ${_tmp}
		DEPENDS ${_tmp} VERBATIM)
	add_custom_command(OUTPUT ${_skel}
		COMMAND sh -c "${BPFTOOL} gen skeleton ${_obj} name ${name}_bpf > ${_skel}.tmp && mv ${_skel}.tmp ${_skel}"
		DEPENDS ${_obj} COMMENT "skeleton ${name}" VERBATIM)
	add_custom_target(${name}_skel_gen DEPENDS ${_skel})
	add_library(${name}_skel INTERFACE)
	add_dependencies(${name}_skel ${name}_skel_gen)
	target_include_directories(${name}_skel INTERFACE ${_out})
	target_link_libraries(${name}_skel INTERFACE tcpsight_libbpf)
endfunction()
