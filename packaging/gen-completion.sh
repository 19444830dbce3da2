#!/bin/sh
# Bash completion for a tcpsight command, from its own --help (so it cannot drift):
# every long and short flag, and the values of --kinds and --attach.
# Usage: gen-completion.sh BINARY OUTPUT
set -eu
bin=$1 out=$2 tool=$(basename "$1")
mkdir -p "$(dirname "$out")"
help=$("$bin" --help)
flags=$(printf '%s\n' "$help" | grep -oE '(^|[ ,])--?[a-zA-Z0-9][-a-zA-Z0-9]*' | tr -d ' ,' | sort -u | tr '\n' ' ')
kinds=$(printf '%s\n' "$help" | sed -n 's/.*comma list): \(.*\)$/\1/p' | tr -d ',' | head -n 1)
fn=$(printf '_%s' "$tool" | tr -c 'a-zA-Z0-9_\n' '_')
cat >"$out" <<EOC
# bash completion for $tool (generated from \`$tool --help\` by tcpsight's gen-completion.sh)
$fn() {
	local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
	case "\$prev" in
	--kinds|-k) COMPREPLY=(\$(compgen -W "$kinds" -- "\${cur##*,}")); return ;;
	--attach) COMPREPLY=(\$(compgen -W "fentry kprobe tracepoint" -- "\$cur")); return ;;
	--netns) COMPREPLY=(\$(compgen -f -- "\$cur") \$(compgen -W "\$(ls /var/run/netns 2>/dev/null | sed 's|^|/var/run/netns/|')" -- "\$cur")); return ;;
	esac
	COMPREPLY=(\$(compgen -W "$flags" -- "\$cur"))
}
complete -F $fn $tool
EOC
