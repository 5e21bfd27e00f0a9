#!/usr/bin/env python3
"""CPU-seconds of the PostgreSQL processes that serve one database, for scripts/bench.sh.

    bench-pgcpu.py POSTMASTER_PID CLUSTER_NAME DATABASE READY_FILE

Counts the client backends connected to DATABASE and the parallel workers they lead, from the
moment READY_FILE is written until SIGUSR1 (or SIGTERM) and then the exit of every one of them.
Prints one line:

    cpu_s=... user_s=... sys_s=... backends=... parallel_workers=... exact=N/M own_cpu_s=...

Exact at exit, not sampled: the kernel's taskstats interface (netlink, root) hands over each
process's final CPU time as it exits, so what a backend spends between the last look and its exit
is not lost, as it is with a /proc sampler. /proc serves only to learn which pids are ours: the
postmaster's children every 50 ms, and the process title of each new child once. A process that
starts and exits between two looks (a parallel worker of a query shorter than 50 ms) is missed.

The CPU time is the scheduler's runtime (sum_exec_runtime in ns, cpu_run_virtual_total of the
record), split into user and sys in the proportion of the tick-sampled utime and stime, as
/proc/<pid>/stat and wait4 (so /usr/bin/time) present it. The tick-sampled utime + stime alone
overstate a CPU-bound process on a busy machine (+12-13 % measured here, 2 cores at load 15): it is
charged a whole tick whenever it is the one running at a tick.

exact=N/M: M processes counted, N of them from their exit record; the others (no taskstats, a
record dropped, a backend still alive after the grace period) from their last /proc reading, a
lower bound. own_cpu_s is this process's own CPU, not in cpu_s. A DATABASE that nothing connected
to gives cpu_s=0.000.
"""
import os
import re
import resource
import signal
import socket
import struct
import sys
import time

POLL_S = 0.05  # children of the postmaster (each look costs ~0.1 ms of CPU, mostly the wake-up)
STAT_EVERY = 10  # /proc/<pid>/stat of our processes (the fallback figure): every 0.5 s, every look without taskstats
GRACE_S = 60.0  # after the stop signal: how long to wait for our processes to exit

NETLINK_GENERIC = 16
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 0x10, 3, 1, 2
TASKSTATS_CMD_GET, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK = 1, 3
TASKSTATS_TYPE_PID, TASKSTATS_TYPE_STATS, TASKSTATS_TYPE_AGGR_PID = 1, 3, 4
# offsets in struct taskstats (linux/taskstats.h; stable since version 1, fields are only appended)
OFF_RUNTIME, OFF_PID, OFF_UTIME, OFF_STIME = 72, 128, 152, 160

TICK = os.sysconf("SC_CLK_TCK")


def attrs(buf):
    """(type, payload) of the netlink attributes in buf."""
    i = 0
    while i + 4 <= len(buf):
        length, kind = struct.unpack_from("=HH", buf, i)
        if length < 4:
            return
        yield kind & 0x3FFF, buf[i + 4 : i + length]
        i += (length + 3) & ~3


def attr(kind, payload):
    return struct.pack("=HH", 4 + len(payload), kind) + payload + b"\0" * (-len(payload) % 4)


def genl(family, cmd, payload, seq, flags=NLM_F_REQUEST):
    body = struct.pack("=BBH", cmd, 1, 0) + payload
    return struct.pack("=IHHII", 16 + len(body), family, flags, seq, 0) + body


def messages(data):
    i = 0
    while i + 16 <= len(data):
        length, kind = struct.unpack_from("=IH", data, i)
        if length < 16:
            return
        yield kind, data[i + 16 : i + length]
        i += (length + 3) & ~3


def taskstats_socket():
    """A netlink socket registered for the exit records of every CPU, or None (not root, no taskstats)."""
    try:
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        s.bind((0, 0))
        try:  # a burst of exits elsewhere on the machine must not overflow it
            s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
        except OSError:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
        s.send(genl(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, attr(CTRL_ATTR_FAMILY_NAME, b"TASKSTATS\0"), 1))
        family = None
        for kind, body in messages(s.recv(65536)):
            if kind == NLMSG_ERROR:
                return None
            for a, payload in attrs(body[4:]):
                if a == CTRL_ATTR_FAMILY_ID:
                    family = struct.unpack_from("=H", payload)[0]
        if family is None:
            return None
        with open("/sys/devices/system/cpu/possible") as f:
            cpus = f.read().strip().encode()
        s.send(genl(family, TASKSTATS_CMD_GET, attr(TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, cpus + b"\0"), 2,
                    NLM_F_REQUEST | NLM_F_ACK))
        for kind, body in messages(s.recv(65536)):
            if kind == NLMSG_ERROR and struct.unpack_from("=i", body)[0] != 0:
                return None
        s.setblocking(False)
        return s
    except OSError:
        return None


def exits(data):
    """(pid, utime_us, stime_us) of each per-task exit record in a datagram."""
    for _kind, body in messages(data):
        for a, nested in attrs(body[4:]):
            if a != TASKSTATS_TYPE_AGGR_PID:
                continue
            pid, stats = None, None
            for b, payload in attrs(nested):
                if b == TASKSTATS_TYPE_PID:
                    pid = struct.unpack_from("=I", payload)[0]
                elif b == TASKSTATS_TYPE_STATS:
                    stats = payload
            if pid is not None and stats is not None and len(stats) >= OFF_STIME + 8:
                if struct.unpack_from("=I", stats, OFF_PID)[0] != pid:
                    continue
                runtime_ns = struct.unpack_from("=Q", stats, OFF_RUNTIME)[0]
                utime, stime = struct.unpack_from("=QQ", stats, OFF_UTIME)
                if runtime_ns and utime + stime:  # the exact total, split as the ticks split it
                    total = runtime_ns / 1000
                    utime, stime = total * utime / (utime + stime), total * stime / (utime + stime)
                elif runtime_ns:
                    utime, stime = runtime_ns / 1000, 0
                yield pid, utime, stime


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__.split("\n\n")[1])
    postmaster, cluster, database, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    prefix = "postgres: " + (cluster + ": " if cluster else "")
    worker = re.compile(r"parallel worker for PID (\d+)")
    children_file = f"/proc/{postmaster}/task/{postmaster}/children"

    stop = []
    signal.signal(signal.SIGUSR1, lambda *_: stop.append(1))
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))

    ours = {}  # pid -> "backend" | "parallel worker"
    others = set()  # children of the postmaster that are not ours (until their pid exits)
    final = {}  # pid -> (utime_us, stime_us) from its exit record
    last = {}  # pid -> (utime_us, stime_us) from its last /proc reading
    gone = {}  # pid -> when it left the postmaster's children without an exit record yet

    def forget(pid):
        others.discard(pid)

    def look(n):
        try:
            fd = os.open(children_file, os.O_RDONLY)
            try:
                children = set(map(int, os.read(fd, 1 << 16).split()))
            finally:
                os.close(fd)
        except OSError:
            sys.exit(f"bench-pgcpu: cannot read {children_file}")
        for pid in children - others - ours.keys():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    title = f.read().split(b"\0", 1)[0].decode("utf-8", "replace")
            except OSError:
                continue
            if not title.startswith("postgres: "):
                continue  # still the postmaster's title: not yet past the startup packet; look again
            rest = title[len(prefix):] if title.startswith(prefix) else title[len("postgres: "):]
            m = worker.match(rest)
            words = rest.split()
            if m:
                leader = int(m.group(1))
                if ours.get(leader) == "backend":
                    ours[pid] = "parallel worker"
                elif leader in children and leader not in others:
                    continue  # its leader is not classified yet
                else:
                    others.add(pid)
            elif len(words) >= 3 and words[1] == database:
                ours[pid] = "backend"
            else:
                others.add(pid)
        others.intersection_update(children)
        now = time.monotonic()
        for pid in ours.keys() - final.keys():
            if pid not in children:
                gone.setdefault(pid, now)
            elif n % stat_every == 0 or stop:
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    last[pid] = (int(fields[11]) * 1_000_000 // TICK, int(fields[12]) * 1_000_000 // TICK)
                except (OSError, IndexError, ValueError):
                    gone.setdefault(pid, now)

    ts = taskstats_socket()
    stat_every = STAT_EVERY if ts else 1
    look(0)
    with open(ready, "w") as f:
        f.write("taskstats\n" if ts else "sampled\n")

    def drain():
        while ts:
            try:
                data = ts.recv(1 << 16)
            except BlockingIOError:
                return
            except OSError:  # ENOBUFS: records were dropped; those pids fall back to /proc
                continue
            for pid, utime, stime in exits(data):
                if pid in ours and pid not in final:
                    final[pid] = (utime, stime)
                else:
                    forget(pid)

    # One wake-up per interval: exit records wait in the socket's buffer until then.
    n, deadline = 0, None
    while True:
        time.sleep(POLL_S)
        drain()
        n += 1
        look(n)
        if stop:
            now = time.monotonic()
            deadline = deadline or now + GRACE_S
            # done when every process of ours has exited and its record had a moment to arrive
            waiting = [p for p in ours if p not in final and not (p in gone and now - gone[p] > 1.0)]
            if not waiting or now > deadline:
                break

    cpu = {p: final.get(p) or last.get(p, (0, 0)) for p in ours}
    user = sum(u for u, _ in cpu.values()) / 1e6
    system = sum(s for _, s in cpu.values()) / 1e6
    own = resource.getrusage(resource.RUSAGE_SELF)
    print(f"cpu_s={user + system:.3f} user_s={user:.3f} sys_s={system:.3f}"
          f" backends={sum(1 for k in ours.values() if k == 'backend')}"
          f" parallel_workers={sum(1 for k in ours.values() if k != 'backend')}"
          f" exact={len(final)}/{len(ours)} own_cpu_s={own.ru_utime + own.ru_stime:.3f}")


if __name__ == "__main__":
    main()
