#!/usr/bin/env python3
"""Issue 7, item 7: what strangers who never finish the handshake can make one peer hold.

Starts one real `cairn` peer, opens CONNECTIONS TCP connections to its listener (default 400) that each send a
4-byte big-endian length of 4 MiB and then 4 MiB - 16 bytes, samples the peer's resident memory (VmRSS in
/proc/PID/status) every 50 ms during the flood and after it, and reads its high-water mark (VmHWM). Then one
more wave of CONNECTIONS that send nothing at all, to see the cap on connections still handshaking at work: all
come from 127.0.0.1, so all but 8 should be closed on accept and those 8 by the 10 s handshake timeout. Last, it
checks that the API still answers (`cairn id`) and that an honest peer can still complete a handshake (a second
peer bootstraps from it and must appear in its routing table), then stops both peers by PID. Everything stays
on 127.0.0.1.

Target: the flooded peer stays under 100 MiB resident throughout. Before the transport limits, the same flood
took an idle peer from 42 MiB to 1.7 GiB.

    swift build -c release && simulations/preauth-flood.py [--connections 400] [--waves 1]

CAIRN_BIN picks the binary (default .build/release/cairn). Exits 1 when a check fails.
"""
import argparse, errno, json, os, selectors, shutil, signal, socket, struct, subprocess, sys, tempfile
import threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("CAIRN_BIN", os.path.join(ROOT, ".build/release/cairn"))
MIB = 1024 * 1024
ANNOUNCED = 4 * MIB
BODY = 4 * MIB - 16
TARGET_MIB = 100


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Sampler(threading.Thread):
    """Reads the peer's VmRSS every 50 ms; `peak` is the highest seen since the last `reset`."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stopped = pid, 0, threading.Event()

    def reset(self):
        self.peak = rss_kib(self.pid)

    def run(self):
        while not self.stopped.is_set():
            try:
                self.peak = max(self.peak, rss_kib(self.pid))
            except OSError:
                return
            time.sleep(0.05)


def cli(*args, api, data):
    """Runs a CLI command against the peer whose API is `api` and data directory (with its API token) `data`."""
    result = subprocess.run([BIN, *args, "--api", api, "--data", data, "--json"], capture_output=True, text=True,
                            timeout=30)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip())
    return json.loads(result.stdout)


def wait_for_api(api, data, deadline_s=30):
    start = time.time()
    while True:
        try:
            return cli("id", api=api, data=data)
        except (RuntimeError, json.JSONDecodeError):
            if time.time() - start > deadline_s:
                raise
            time.sleep(0.2)


def start_peer(data, genesis, listen, api, bootstrap=None, log=None):
    subprocess.run([BIN, "init", "--data", data, "--genesis", genesis], check=True, capture_output=True)
    command = [BIN, "run", "--data", data, "--genesis", genesis, "--listen", listen, "--api", api,
               "--log-level", "warning"]
    if bootstrap:
        command += ["--bootstrap", bootstrap]
    return subprocess.Popen(command, stdout=log, stderr=log)


def stop(process):
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def flood(port, connections, duration_s, payload):
    """One wave: every connection sends `payload`, as much of it as the peer takes. Returns how many the peer
    closed before all of it was sent, how many sent it all, how many were still open at the end, the bytes
    handed to the kernel (loopback socket buffers absorb some before the peer's close arrives), and the
    seconds after the start at which the peer closed each one it closed."""
    selector = selectors.DefaultSelector()
    offsets, closed_early, fully_sent, sent_bytes, close_times = {}, 0, 0, 0, []
    start = time.time()
    for _ in range(connections):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        offsets[s] = 0
        selector.register(s, selectors.EVENT_READ | (selectors.EVENT_WRITE if payload else 0))
    deadline = time.time() + duration_s
    while offsets and time.time() < deadline:
        for key, events in selector.select(timeout=0.2):
            s = key.fileobj
            closed = False
            if events & selectors.EVENT_READ:
                try:
                    closed = s.recv(65536) == b""
                except (ConnectionResetError, BrokenPipeError):
                    closed = True
                except BlockingIOError:
                    pass
            if not closed and events & selectors.EVENT_WRITE and offsets[s] < len(payload):
                try:
                    n = s.send(payload[offsets[s]:offsets[s] + 1024 * 1024])
                    offsets[s] += n
                    sent_bytes += n
                    if offsets[s] == len(payload):
                        fully_sent += 1
                        selector.modify(s, selectors.EVENT_READ)  # now only wait for the peer's close
                except BlockingIOError:
                    pass
                except OSError as error:
                    if error.errno not in (errno.ECONNRESET, errno.EPIPE, errno.ECONNREFUSED, errno.ENOTCONN):
                        raise
                    closed = True
            if closed:
                close_times.append(time.time() - start)
                if offsets[s] < len(payload):
                    closed_early += 1
                selector.unregister(s)
                s.close()
                del offsets[s]
    still_open = len(offsets)
    for s in list(offsets):
        selector.unregister(s)
        s.close()
    return closed_early, fully_sent, still_open, sent_bytes, close_times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=400)
    parser.add_argument("--waves", type=int, default=1, help="floods one after the other")
    parser.add_argument("--duration", type=float, default=15.0,
                        help="seconds a wave keeps its connections open (longer than the 10 s handshake timeout)")
    parser.add_argument("--port", type=int, default=4700, help="listen port; the API gets port + 1, peer 2 + 2, + 3")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="cairn-preauth-flood-")
    genesis = os.path.join(workdir, "genesis.json")
    with open(os.path.join(ROOT, "bootstrap/genesis.json")) as f:
        parameters = json.load(f)
    parameters["bootstrap"] = [f"127.0.0.1:{args.port}"]  # never a peer this script did not start
    with open(genesis, "w") as f:
        json.dump(parameters, f)

    listen, api = f"127.0.0.1:{args.port}", f"127.0.0.1:{args.port + 1}"
    log = open(os.path.join(workdir, "peer.log"), "w")
    target = start_peer(os.path.join(workdir, "p1"), genesis, listen, api, log=log)
    honest = None
    failures = []
    try:
        wait_for_api(api, os.path.join(workdir, "p1"))
        time.sleep(2)
        idle = rss_kib(target.pid)
        print(f"binary {BIN}\npeer pid {target.pid}: idle {idle / 1024:.1f} MiB resident")
        sampler = Sampler(target.pid)
        sampler.start()
        payload = memoryview(struct.pack(">I", ANNOUNCED) + bytes(BODY))
        for wave in range(1, args.waves + 1):
            sampler.reset()
            start = time.time()
            closed_early, fully_sent, still_open, sent, _ = flood(
                args.port, args.connections, args.duration, payload)
            print(f"wave {wave}: {args.connections} connections in {time.time() - start:.1f} s: "
                  f"{closed_early} closed by the peer before their body was sent, {fully_sent} sent it all, "
                  f"{still_open} still open at the end; {sent / MIB:.1f} MiB handed to the kernel; "
                  f"peak {sampler.peak / 1024:.1f} MiB resident during the wave")
            if sampler.peak >= TARGET_MIB * 1024:
                failures.append(f"wave {wave} peaked at {sampler.peak / 1024:.1f} MiB")

        sampler.reset()
        _, _, still_open, _, close_times = flood(args.port, args.connections, args.duration, memoryview(b""))
        at_once = sum(1 for t in close_times if t < 1)
        later = sorted(t for t in close_times if t >= 1)
        print(f"silent wave: {args.connections} connections that send nothing: {at_once} closed within 1 s "
              f"(the cap), {len(later)} closed later"
              + (f" (after {later[0]:.1f}-{later[-1]:.1f} s, the handshake timeout)" if later else "")
              + f", {still_open} still open after {args.duration:.0f} s; "
              f"peak {sampler.peak / 1024:.1f} MiB resident")
        if still_open:
            failures.append(f"{still_open} silent connections outlived the handshake timeout")
        time.sleep(2)
        after = rss_kib(target.pid)
        hwm = rss_kib(target.pid, "VmHWM")
        print(f"after the flood: {after / 1024:.1f} MiB resident; high-water mark since start (VmHWM) "
              f"{hwm / 1024:.1f} MiB; target < {TARGET_MIB} MiB")
        if hwm >= TARGET_MIB * 1024:
            failures.append(f"VmHWM {hwm / 1024:.1f} MiB")
        sampler.stopped.set()

        start = time.time()
        identity = cli("id", api=api, data=os.path.join(workdir, "p1"))
        print(f"API answers `cairn id` in {1000 * (time.time() - start):.0f} ms: {identity['id'][:16]}…")

        honest_api = f"127.0.0.1:{args.port + 3}"
        honest = start_peer(os.path.join(workdir, "p2"), genesis, f"127.0.0.1:{args.port + 2}", honest_api,
                            bootstrap=listen, log=log)
        wait_for_api(honest_api, os.path.join(workdir, "p2"))
        start, seen = time.time(), False
        while time.time() - start < 15 and not seen:
            seen = any(p["id"] == identity["id"] for p in cli("peers", api=honest_api, data=os.path.join(workdir, "p2"))["peers"])
            time.sleep(0.2)
        print(f"an honest peer {'completed' if seen else 'did NOT complete'} a handshake with it "
              f"({time.time() - start:.1f} s after its API was up)")
        if not seen:
            failures.append("the honest peer never joined")
    finally:
        for process in (honest, target):
            if process is not None:
                stop(process)
        log.close()
        if failures:
            print(f"peer log kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print("FAILED: " + "; ".join(failures) if failures else f"OK: under {TARGET_MIB} MiB and still serving")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
