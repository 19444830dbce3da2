# Shared by bench/run.sh and bench/long_storm.sh (sourced, not run).

ms() { date +%s%3N; }
hwm_kb() { awk '/VmHWM/ {print $2}' /proc/$1/status; }

# drop_netns NAME: a throwaway netns whose nft rule drops every TCP and UDP packet sent
# to port 9 (bench/drop_storm's target): each one exactly one kfree_skb NETFILTER_DROP.
drop_netns() {
	ip netns add "$1"
	ip -n "$1" link set lo up
	ip netns exec "$1" nft add table ip t
	ip netns exec "$1" nft add chain ip t out '{type filter hook output priority 0;}'
	ip netns exec "$1" nft add rule ip t out tcp dport 9 drop
	ip netns exec "$1" nft add rule ip t out udp dport 9 drop
}
