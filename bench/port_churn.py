#!/usr/bin/env python3
"""Bounded connect churn for benchmarks, run inside a throwaway netns: fills a small
ephemeral range with TIME_WAIT sockets (the client closes first), then keeps
connecting, so every connect() scans the whole range (one __inet_check_established
call per port). Loopback only; stops after COUNT connects or SECONDS.
Usage: port_churn.py PORT RANGE_SIZE COUNT SECONDS"""
import socket, subprocess, sys, time

port, size, count, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
subprocess.run(["sysctl", "-qw", f"net.ipv4.ip_local_port_range=40000 {40000 + size - 1}",
                "net.ipv4.tcp_tw_reuse=0"], check=True)
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(1024)
ok = failed = 0
start = time.monotonic()
while ok + failed < count and time.monotonic() - start < seconds:
    c = socket.socket()
    try:
        c.connect(("127.0.0.1", port))
        a, _ = ls.accept()
        c.close()  # client first: its port goes to TIME_WAIT
        a.close()
        ok += 1
    except OSError:
        c.close()
        failed += 1  # EADDRNOTAVAIL once the range is all TIME_WAIT
print(f"connects ok={ok} eaddrnotavail={failed} in {time.monotonic() - start:.2f}s")
