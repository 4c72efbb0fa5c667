"""cocotb bench for one `nicsched_dense` layer, built once per parameter set (the Corundum manner).

Run through sim/run_bench.py (--bench dense --toplevel nicsched_dense --param NAME=VALUE ...); the
parameter sets are sim/dense-sets.json. Ports (rtl/nicsched_dense.v): clk, rst, weights
(w[j][i] at [(j*N_IN+i)*W_BITS +: W_BITS]), bias (b[j] at [j*ACC_BITS +: ACC_BITS]), in_valid,
in_ready, in_meta, in_data (x[i] at [i*IN_BITS +: IN_BITS]), out_valid, out_meta, out_data
(y[j] at [j*OUT_BITS +: OUT_BITS]).

Job (NICSCHED_JOB, written by sim/dense.ts): {"params": {N_IN, N_OUT, IN_BITS, IN_SIGNED, W_BITS,
W_SIGNED, ACC_BITS, OUT_BITS, OUT_SIGNED, SHIFT, RELU, LEVELS_PER_STAGE, REUSE, META_BITS} (the
values the build used), "latency": cycles the IR predicts, "cases": [{"name", "weights": [[w]],
"bias": [b], "inputs": [[x]], "expected": [[y]]}]}. Every expected value is the golden model's
(codegen/golden/model.ts, its requantize); the bench computes none.

Latency = out cycle - in cycle (an input accepted in cycle c whose out_valid is seen in cycle c + L
has latency L). With in_valid held high, consecutive inputs are accepted REUSE cycles apart.

Results (NICSCHED_RESULTS): tests[<name>] per test, plus {"dense": {"outputs", "mismatches",
"latencies": sorted distinct latencies, "ii": sorted distinct acceptance gaps at full rate,
"cases": [{"name", "vectors", "mismatches"}]}} from test_cases.

Tests: test_cases (every case at full rate, weights and bias changed between cases while the
datapath is empty), test_bubbles (the first case again with seeded random in_valid gaps).
"""

from __future__ import annotations

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

from nicsched_common import bench_test, load_job, make_rng, reset, results_set, sig_int, start_clock, to_signed

JOB = load_job()
P = {k: int(v) for k, v in JOB["params"].items()}
N_IN, N_OUT = P["N_IN"], P["N_OUT"]
IN_BITS, W_BITS, ACC_BITS, OUT_BITS = P["IN_BITS"], P["W_BITS"], P["ACC_BITS"], P["OUT_BITS"]
OUT_SIGNED = bool(P["OUT_SIGNED"])
REUSE = P["REUSE"]
META_MASK = (1 << P["META_BITS"]) - 1
LATENCY = int(JOB["latency"])
CASES = JOB["cases"]


def pack(values: list[int], bits: int) -> int:
    """Element k at [k*bits +: bits], two's complement."""
    m = (1 << bits) - 1
    return sum((int(v) & m) << (k * bits) for k, v in enumerate(values))


def unpack(word: int) -> list[int]:
    m = (1 << OUT_BITS) - 1
    out = []
    for j in range(N_OUT):
        v = (word >> (j * OUT_BITS)) & m
        out.append(to_signed(v, OUT_BITS) if OUT_SIGNED else v)
    return out


def check_ports(rec, dut) -> bool:
    """The build's widths are the job's: a bench run against another parameter set fails here."""
    want = {"in_data": N_IN * IN_BITS, "weights": N_OUT * N_IN * W_BITS, "bias": N_OUT * ACC_BITS,
            "out_data": N_OUT * OUT_BITS, "in_meta": P["META_BITS"]}
    return all([rec.eq(len(getattr(dut, port)), width, f"width of {port}") for port, width in want.items()])


class Layer:
    """Drives the ports after falling edges; records accepted inputs and outputs by cycle."""

    def __init__(self, dut, cyc):
        self.dut, self.cyc = dut, cyc
        self.accepted: list[tuple[int, int]] = []  # (cycle, meta)
        self.outputs: list[tuple[int, int, list[int]]] = []  # (cycle, meta, y)
        dut.in_valid.value = 0
        dut.in_meta.value = 0
        dut.in_data.value = 0
        cocotb.start_soon(self._monitor())

    async def _monitor(self):
        d = self.dut
        while True:
            await FallingEdge(d.clk)
            await ReadOnly()
            try:
                if sig_int(d.rst) == 0 and sig_int(d.out_valid):
                    self.outputs.append((self.cyc.n, sig_int(d.out_meta), unpack(sig_int(d.out_data))))
            except AssertionError:
                continue  # X before reset (Icarus)

    async def load(self, case: dict):
        """Weights and bias for the next case; called with the datapath empty."""
        await FallingEdge(self.dut.clk)
        self.dut.weights.value = pack([w for row in case["weights"] for w in row], W_BITS)
        self.dut.bias.value = pack(case["bias"], ACC_BITS)

    async def feed(self, inputs: list[list[int]], gaps=None):
        """Present every input (meta = its index); gaps(k) idle cycles before input k."""
        d = self.dut
        await FallingEdge(d.clk)
        for k, x in enumerate(inputs):
            for _ in range(gaps(k) if gaps else 0):
                d.in_valid.value = 0
                await FallingEdge(d.clk)
            d.in_valid.value = 1
            d.in_meta.value = k & META_MASK
            d.in_data.value = pack(x, IN_BITS)
            while True:
                await ReadOnly()
                ready = sig_int(d.in_ready, "in_ready")
                n = self.cyc.n
                await FallingEdge(d.clk)
                if ready:
                    self.accepted.append((n, k & META_MASK))
                    break
        d.in_valid.value = 0

    async def drain(self, total: int):
        budget = LATENCY + 8
        last = self.cyc.n
        while len(self.outputs) < total and self.cyc.n - last <= budget:
            await RisingEdge(self.dut.clk)
        for _ in range(LATENCY + 4):  # nothing more may come
            await RisingEdge(self.dut.clk)


def compare(rec, layer: Layer, case: dict, a0: int, o0: int) -> dict:
    """Outputs since o0 against the case's golden outputs, in order, with their latencies."""
    accepted, outputs = layer.accepted[a0:], layer.outputs[o0:]
    name = case["name"]
    rec.eq(len(outputs), len(case["inputs"]), f"{name}: outputs")
    mismatches = 0
    latencies = set()
    for k, want in enumerate(case["expected"]):
        if k >= len(outputs) or k >= len(accepted):
            mismatches += 1
            continue
        (oc, meta, y), (ic, imeta) = outputs[k], accepted[k]
        rec.eq(meta, imeta, f"{name}: out_meta of input {k}")
        latencies.add(oc - ic)
        if y != [int(v) for v in want]:
            mismatches += 1
            rec.fail(f"{name}: input {k} x={case['inputs'][k]} gave {y}, golden {want}")
        else:
            rec.checks += 1
    return {"name": name, "vectors": len(case["inputs"]), "mismatches": mismatches, "latencies": sorted(latencies)}


@bench_test(timeout_us=200000)
async def test_cases(dut, rec):
    """Every case at full rate: bit-exact against the golden model, latency and II as predicted."""
    cyc = start_clock(dut)
    layer = Layer(dut, cyc)
    if not check_ports(rec, dut):
        return
    await reset(dut)
    sections, gaps = [], set()
    for case in CASES:
        await layer.load(case)
        a0, o0 = len(layer.accepted), len(layer.outputs)
        await layer.feed(case["inputs"])
        await layer.drain(o0 + len(case["inputs"]))
        sections.append(compare(rec, layer, case, a0, o0))
        cycles = [c for c, _ in layer.accepted[a0:]]
        gaps |= {b - a for a, b in zip(cycles, cycles[1:])}
    latencies = sorted({lat for s in sections for lat in s["latencies"]})
    rec.eq(latencies, [LATENCY], "latency of every input (in_valid accepted -> out_valid)")
    rec.eq(sorted(gaps), [REUSE] if any(len(c["inputs"]) > 1 for c in CASES) else [], "cycles between inputs at full rate")
    summary = {"outputs": sum(s["vectors"] for s in sections), "mismatches": sum(s["mismatches"] for s in sections),
               "latencies": latencies, "ii": sorted(gaps), "cases": sections}
    rec.info.update(summary)
    results_set("dense", summary)


@bench_test(timeout_us=200000)
async def test_bubbles(dut, rec):
    """The first case with seeded random in_valid gaps: the same golden outputs, the same latency."""
    cyc = start_clock(dut)
    layer = Layer(dut, cyc)
    if not check_ports(rec, dut):
        return
    await reset(dut)
    case = CASES[0]
    rng = make_rng(int(JOB.get("seed", 1)), "bubbles")
    await layer.load(case)
    await layer.feed(case["inputs"], gaps=lambda k: rng.choice([0, 0, 1, 2, REUSE, REUSE + 1]))
    await layer.drain(len(case["inputs"]))
    section = compare(rec, layer, case, 0, 0)
    rec.eq(section["latencies"], [LATENCY], "latency with bubbles")
    rec.info.update(section)
