"""cocotb bench for `nicsched_policy` (the generated layer chain) on its streaming ports.

Run through sim/run_bench.py (--bench policy). Ports (docs/HARDWARE.md): clk, rst, in_valid,
in_ready, in_meta[META_BITS], in_features[N_IN*IN_BITS] (x[i] at [i*IN_BITS +: IN_BITS]),
out_valid, out_meta, out_scores[N_OUT*OUT_BITS] (y[k] at [k*OUT_BITS +: OUT_BITS]).

Job: the same JSON as test_app.py ("policy", "vectors", "expected"; "fuzz.seed" seeds the bubble
pattern). policy.latency is the app-level LATENCY; the datapath latency this bench expects is
policy.pipeline_latency, the sum of the layer latencies (HARDWARE.md: LATENCY = Σ layer latencies
+ 4). policy.ii is the expected initiation interval.

Latency = out cycle - in cycle: an input presented in cycle c (in_valid & in_ready, accepted at
the rising edge that ends c) whose out_valid is seen in cycle c + L has latency L.
II = the largest number of cycles between consecutive accepted inputs while in_valid is held high.

Results (NICSCHED_RESULTS): tests[<name>] per test (see nicsched_common.bench_test), plus, from
test_stream: {"latency": n (idle, single input), "ii": n, "mismatches": n,
"vectors": [{"index", "scores", "latency", "ok"}]}.

Tests: test_stream (idle latency, then every vector at full rate), test_bubbles (random in_valid
gaps), test_reset (rst with the pipeline full: nothing comes out afterwards, then correct again).
"""

from __future__ import annotations

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

from nicsched_common import bench_test, load_job, make_rng, reset, results_set, sig_int, start_clock, to_signed

JOB = load_job()
P = JOB["policy"]
N_IN, N_OUT = int(P["inputs"]), int(P["outputs"])
IN_BITS, OUT_BITS = int(P["in_bits"]), int(P["out_bits"])
OUT_SIGNED = bool(P["out_signed"])
PIPE_LATENCY = int(P["pipeline_latency"])
II = int(P.get("ii", 1))
VECTORS = [list(map(int, v)) for v in JOB.get("vectors", [])]
EXPECTED = JOB.get("expected", [])
SEED = int((JOB.get("fuzz") or {}).get("seed", 1))


def pack(vec: list[int]) -> int:
    m = (1 << IN_BITS) - 1
    return sum((v & m) << (i * IN_BITS) for i, v in enumerate(vec))


def unpack(word: int) -> list[int]:
    m = (1 << OUT_BITS) - 1
    out = []
    for k in range(N_OUT):
        v = (word >> (k * OUT_BITS)) & m
        out.append(to_signed(v, OUT_BITS) if OUT_SIGNED else v)
    return out


class Stream:
    """Drives in_* (after falling edges) and records accepted inputs and outputs by cycle."""

    def __init__(self, dut, cyc):
        self.dut, self.cyc = dut, cyc
        self.meta_bits = len(dut.in_meta)
        self.accepted: list[tuple[int, int]] = []  # (cycle, meta)
        self.outputs: list[tuple[int, int, list[int]]] = []  # (cycle, meta, scores)
        self.in_ready_seen: list[int] = []
        dut.in_valid.value = 0
        dut.in_meta.value = 0
        dut.in_features.value = 0
        cocotb.start_soon(self._mon())

    async def _mon(self):
        d = self.dut
        while True:
            await FallingEdge(d.clk)
            await ReadOnly()
            try:
                if sig_int(d.rst):
                    continue
                if sig_int(d.out_valid):
                    self.outputs.append((self.cyc.n, sig_int(d.out_meta), unpack(sig_int(d.out_scores))))
            except AssertionError:
                continue

    async def feed(self, items: list[tuple[int, list[int]]], gaps=None):
        """items = [(meta, vector)]; gaps(i) -> idle cycles before item i (None: full rate)."""
        d = self.dut
        await FallingEdge(d.clk)
        for idx, (meta, vec) in enumerate(items):
            g = gaps(idx) if gaps else 0
            for _ in range(g):
                d.in_valid.value = 0
                await FallingEdge(d.clk)
            d.in_valid.value = 1
            d.in_meta.value = meta & ((1 << self.meta_bits) - 1)
            d.in_features.value = pack(vec)
            while True:
                await ReadOnly()
                ready = sig_int(d.in_ready, "in_ready")
                n = self.cyc.n
                await FallingEdge(d.clk)
                if ready:
                    self.accepted.append((n, meta & ((1 << self.meta_bits) - 1)))
                    break
        d.in_valid.value = 0

    async def drain(self, total: int, budget: int):
        """Wait until `total` outputs have been seen since the test started (or budget cycles)."""
        start = self.cyc.n
        while len(self.outputs) < total and self.cyc.n - start < budget:
            await RisingEdge(self.dut.clk)
        for _ in range(2):
            await RisingEdge(self.dut.clk)


def check_run(rec, st: Stream, idxs: list[int], a0: int, o0: int, where: str):
    """Match accepted inputs [a0:] with outputs [o0:] in order; returns per-vector records."""
    acc = st.accepted[a0:]
    outs = st.outputs[o0:]
    rec.eq(len(outs), len(idxs), f"{where}: number of outputs")
    recs = []
    for j, i in enumerate(idxs):
        want = [int(x) for x in EXPECTED[i]["scores"]]
        if j >= len(outs) or j >= len(acc):
            recs.append({"index": i, "scores": None, "latency": None, "ok": False})
            continue
        oc, meta, scores = outs[j]
        ic, imeta = acc[j]
        ok = rec.eq(meta, imeta, f"{where}: out_meta of vector {i}")
        if scores != want:
            ok = False
            rec.fail(f"{where}: vector {i} scores {scores}, expected {want}")
        else:
            rec.checks += 1
        recs.append({"index": i, "scores": scores, "latency": oc - ic, "ok": ok})
    return recs


def need_vectors(rec) -> bool:
    if not VECTORS or len(EXPECTED) < len(VECTORS):
        rec.fail(f"job has {len(VECTORS)} vectors and {len(EXPECTED)} expected results")
        return False
    return True


async def setup(dut):
    cyc = start_clock(dut)
    dut.in_valid.value = 0
    # weight bank config port (layout v2.0): idle; cfg_rst loads the compiled weights
    dut.cfg_wr_en.value = 0
    dut.cfg_wr_addr.value = 0
    dut.cfg_wr_data.value = 0
    dut.cfg_swap.value = 0
    dut.cfg_rst.value = 1
    await reset(dut)
    dut.cfg_rst.value = 0
    return cyc, Stream(dut, cyc)


@bench_test(timeout_us=200000)
async def test_stream(dut, rec):
    """Idle latency of one input, then every vector at full rate: II, latency, bit-exact scores."""
    cyc, st = await setup(dut)
    if not need_vectors(rec):
        return
    out = {"latency": None, "ii": None, "mismatches": None, "vectors": []}
    try:
        # idle latency
        await st.feed([(0, VECTORS[0])])
        await st.drain(1, PIPE_LATENCY * 4 + 50)
        one = check_run(rec, st, [0], 0, 0, "single")
        idle_lat = one[0]["latency"]
        rec.eq(idle_lat, PIPE_LATENCY, "idle latency (in cycle -> out_valid cycle)")
        for _ in range(4):
            await RisingEdge(dut.clk)
        # full rate
        a0, o0 = len(st.accepted), len(st.outputs)
        idxs = list(range(len(VECTORS)))
        await st.feed([(i, VECTORS[i]) for i in idxs])
        await st.drain(o0 + len(idxs), PIPE_LATENCY * 4 + II * len(idxs) + 100)
        recs = check_run(rec, st, idxs, a0, o0, "stream")
        acc = [c for c, _ in st.accepted[a0:]]
        gaps = [b - a for a, b in zip(acc, acc[1:])]
        ii = max(gaps) if gaps else None
        if gaps:
            rec.eq(ii, II, "II (max cycles between accepted inputs at full rate)")
        lats = {r["latency"] for r in recs if r["latency"] is not None}
        rec.check(lats <= {PIPE_LATENCY}, f"latency at full rate: {sorted(lats)}, expected {PIPE_LATENCY}")
        mism = sum(not r["ok"] for r in recs)
        out.update({"latency": idle_lat, "ii": ii, "mismatches": mism, "vectors": recs,
                    "expected_latency": PIPE_LATENCY, "expected_ii": II,
                    "ii_mean": (acc[-1] - acc[0]) / (len(acc) - 1) if len(acc) > 1 else None})
        rec.info.update({k: out[k] for k in ("latency", "ii", "mismatches", "ii_mean")})
    finally:
        for k, v in out.items():
            results_set(k, v)


@bench_test(timeout_us=200000)
async def test_bubbles(dut, rec):
    """Random idle cycles between inputs: valid propagation, no lost or duplicated outputs."""
    cyc, st = await setup(dut)
    if not need_vectors(rec):
        return
    rng = make_rng(SEED, "bubbles")
    idxs = list(range(len(VECTORS)))
    gap = [rng.choice((0, 0, 0, 1, 1, 2, 3, PIPE_LATENCY)) for _ in idxs]
    await st.feed([(i, VECTORS[i]) for i in idxs], gaps=lambda j: gap[j])
    await st.drain(len(idxs), PIPE_LATENCY * 4 + (II + 4 + PIPE_LATENCY) * len(idxs) + 100)
    recs = check_run(rec, st, idxs, 0, 0, "bubbles")
    lats = {r["latency"] for r in recs if r["latency"] is not None}
    rec.check(lats <= {PIPE_LATENCY}, f"latency with bubbles: {sorted(lats)}, expected {PIPE_LATENCY}")
    rec.info["mismatches"] = sum(not r["ok"] for r in recs)


@bench_test(timeout_us=100000)
async def test_reset(dut, rec):
    """rst with the pipeline full: no out_valid afterwards; then the next inputs are correct."""
    cyc, st = await setup(dut)
    if not need_vectors(rec):
        return
    n = min(len(VECTORS), max(PIPE_LATENCY, 2))
    await st.feed([(i, VECTORS[i]) for i in range(n)])
    await reset(dut, cycles=2)
    o_after = len(st.outputs)
    for _ in range(PIPE_LATENCY * 2 + 10):
        await RisingEdge(dut.clk)
    rec.eq(len(st.outputs) - o_after, 0, "outputs after rst (stale pipeline contents)")
    a0, o0 = len(st.accepted), len(st.outputs)
    idxs = list(range(min(len(VECTORS), 16)))
    await st.feed([(i, VECTORS[i]) for i in idxs])
    await st.drain(o0 + len(idxs), PIPE_LATENCY * 4 + II * len(idxs) + 100)
    recs = check_run(rec, st, idxs, a0, o0, "after rst")
    rec.info["mismatches"] = sum(not r["ok"] for r in recs)


def layer_signals(dut, k: int):
    """The generated nicsched_policy's per-layer wires l<k>_valid / l<k>_data (None when absent)."""
    try:
        return getattr(dut, f"l{k}_valid"), getattr(dut, f"l{k}_data")
    except AttributeError:
        return None


@bench_test(timeout_us=200000)
async def test_trace(dut, rec):
    """Per-layer outputs of every job vector, one at a time, for the per-layer diff of
    `nicsched simulate`. Job: "trace_layers": [{"units", "bits", "signed"}] per layer.
    Results: "trace": [{"index", "layers": [[int, ...] per layer]}]."""
    cyc, st = await setup(dut)
    layers = JOB.get("trace_layers") or []
    if not layers:
        rec.fail("job has no trace_layers")
        return
    sigs = [layer_signals(dut, k) for k in range(len(layers))]
    if any(s is None for s in sigs):
        rec.fail("the toplevel does not expose l<k>_valid/l<k>_data")
        return
    traces = []
    for i, vec in enumerate(VECTORS):
        got: list[list[int] | None] = [None] * len(layers)
        await st.feed([(i, vec)])
        for _ in range(PIPE_LATENCY + 4):
            await FallingEdge(dut.clk)
            await ReadOnly()
            for k, (valid, data) in enumerate(sigs):
                if got[k] is None and sig_int(valid):
                    word, spec = sig_int(data), layers[k]
                    m = (1 << spec["bits"]) - 1
                    vals = [(word >> (u * spec["bits"])) & m for u in range(spec["units"])]
                    got[k] = [to_signed(v, spec["bits"]) if spec["signed"] else v for v in vals]
        rec.check(all(g is not None for g in got), f"vector {i}: every layer produced an output")
        traces.append({"index": i, "layers": got})
    results_set("trace", traces)
