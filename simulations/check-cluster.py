#!/usr/bin/env python3
"""The foundation issue's cluster checks on N real peers (default 40): exact `dht closest` from every peer,
`find-peer` from every peer to every other, a provider record found from every peer, then kill -9 five peers and
time how long until no live peer returns them and lookups are exact again. Stops every peer it started.

    swift build -c release && simulations/check-cluster.py [PEERS]
"""
import json, subprocess, os, time, random, sys
ROOT=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B=os.environ.get("CAIRN_BIN", os.path.join(ROOT, ".build/release/cairn"))
N=int(sys.argv[1]) if len(sys.argv) > 1 else 40
D="/tmp/cairn-check-%d" % os.getpid(); BASE=4000
def cli(i,*a):
    r=subprocess.run([B,*a,"--api",f"127.0.0.1:{BASE+1000+i}","--data",f"{D}/peer-{i}","--json"],capture_output=True,text=True)
    if r.returncode!=0: raise RuntimeError(r.stderr)
    return json.loads(r.stdout)
t=time.time()
out=subprocess.run([B,"sim","cluster","--peers",str(N),"--base-port",str(BASE),"--dir",D,"--detach","--json"],capture_output=True,text=True)
members=json.loads(out.stdout)["peers"]; print("cluster up in %.1fs"%(time.time()-t))
try:
    ids=[m["id"] for m in members]; pids=[m["pid"] for m in members]
    def truth(key, live):
        k=int(key,16); return sorted(live,key=lambda x:int(x,16)^k)[:20]
    ok=True
    for trial in range(3):
        key=os.urandom(32).hex(); want=truth(key,ids)
        for i in range(N):
            got=cli(i,"dht","closest",key)["peers"]
            if got!=want: ok=False; print("closest mismatch peer",i)
    print("closest exact on all %d peers x3 keys:" % N, ok)
    bad=0
    for i in range(N):
        for j in range(N):
            if i==j: continue
            r=cli(i,"dht","find-peer",ids[j])
            if r["addresses"]!=[f"127.0.0.1:{BASE+j}"]: bad+=1
    print("find-peer failures out of %d:" % (N*(N-1)), bad)
    key=os.urandom(32).hex(); cli(13,"dht","provide",key)
    pbad=sum(1 for i in range(N) if cli(i,"dht","providers",key)["providers"]!=[ids[13]])
    print("providers not found on", pbad, "of", N, "peers")
    victims=random.sample(range(1,N),5)
    for v in victims: os.kill(pids[v],9)
    dead=set(ids[v] for v in victims); live=[x for x in ids if x not in dead]
    t0=time.time()
    while True:
        clean=True; exact=True
        for i in range(N):
            if i in victims: continue
            key=os.urandom(32).hex()
            got=cli(i,"dht","closest",key)["peers"]
            if dead & set(got): clean=False
            if got!=truth(key,live): exact=False
        print("after %.0fs: no dead peer returned=%s exact=%s"%(time.time()-t0,clean,exact)); sys.stdout.flush()
        if clean and exact: break
        if time.time()-t0>150: break
        time.sleep(5)
    # routing tables: do dead peers linger in `peers`?
    t1=time.time()
    while time.time()-t0<150:
        linger=sum(1 for i in range(N) if i not in victims and dead & set(p["id"] for p in cli(i,"peers")["peers"]))
        if linger==0: break
        time.sleep(5)
    print("dead peers still in some routing table after %.0fs: %d peers' tables"%(time.time()-t0, linger))
finally:
    subprocess.run([B,"sim","cluster","--stop","--dir",D])
    subprocess.run(["rm","-rf",D])
