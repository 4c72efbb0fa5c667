"""Shared helpers for the nicsched cocotb benches (test_app.py, test_policy.py).

- job / results JSON: NICSCHED_JOB and NICSCHED_RESULTS (set by sim/run_bench.py)
- `bench_test`: a cocotb test decorator that collects soft checks in a `Rec`, always writes the
  test's section into the results JSON (tests[name] = {"passed", "checks", "failures", ...}),
  and fails the cocotb test when any check failed
- clock/reset, a cycle counter, and a raw AXI-Lite driver with explicit strobes and randomizable
  handshake timing (cocotbext-axi's AxiLiteMaster cannot issue aligned partial-strobe or wstrb=0
  writes, nor skew AW against W)

Sampling convention (both simulators): stimulus is driven right after the falling edge; values
are sampled in the ReadOnly phase after the falling edge. A handshake seen there (valid & ready)
completes at the next rising edge. `Cycles.n` counts rising edges since the clock started, so a
handshake sampled while n == k completes at edge k + 1, and a registered output updated at edge
k is seen while n == k.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import random
import traceback
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import Event, FallingEdge, Lock, ReadOnly, RisingEdge, with_timeout

CLK_NS = 4  # 250 MHz (target.clock_mhz of the default policy); only the cycle count matters

OKAY, EXOKAY, SLVERR, DECERR = 0, 1, 2, 3
RESP_NAMES = {0: "OKAY", 1: "EXOKAY", 2: "SLVERR", 3: "DECERR"}

log = logging.getLogger("cocotb.nicsched")


# ---------------------------------------------------------------------------------------------
# job and results
# ---------------------------------------------------------------------------------------------
def load_job() -> dict:
    path = os.environ.get("NICSCHED_JOB")
    if not path:
        raise RuntimeError("NICSCHED_JOB is not set (run the bench through sim/run_bench.py)")
    with open(path) as f:
        return json.load(f)


def results_path() -> str | None:
    return os.environ.get("NICSCHED_RESULTS")


def results_update(fn) -> None:
    """Read-modify-write the results JSON: fn(data) mutates the dict in place."""
    path = results_path()
    if not path:
        return
    try:
        with open(path) as f:
            data = json.load(f)
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    fn(data)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def results_set(section: str, value: Any) -> None:
    def upd(d):
        d[section] = value

    results_update(upd)


def hexs(v: Any) -> str:
    if isinstance(v, int):
        return f"0x{v & 0xFFFFFFFF:08x}" if v >= 0 else str(v)
    return repr(v)


# ---------------------------------------------------------------------------------------------
# soft checks + per-test section
# ---------------------------------------------------------------------------------------------
class Rec:
    MAX_FAILURES = 100

    def __init__(self, name: str):
        self.name = name
        self.checks = 0
        self.nfail = 0
        self.failures: list[str] = []
        self.info: dict[str, Any] = {}

    def check(self, cond: bool, msg: str) -> bool:
        self.checks += 1
        if not cond:
            self.fail(msg)
        return bool(cond)

    def eq(self, got: Any, want: Any, what: str) -> bool:
        return self.check(got == want, f"{what}: got {hexs(got)}, expected {hexs(want)}")

    def fail(self, msg: str) -> None:
        self.nfail += 1
        if len(self.failures) < self.MAX_FAILURES:
            self.failures.append(msg)
        if self.nfail <= 20:
            log.error("%s: %s", self.name, msg)

    @property
    def passed(self) -> bool:
        return self.nfail == 0


def bench_test(timeout_us: float = 20000):
    """Decorator: a cocotb test whose body is `async def test_x(dut, rec)`."""

    def deco(fn):
        @functools.wraps(fn)
        async def wrapper(dut):
            rec = Rec(fn.__name__)
            error = None
            try:
                await fn(dut, rec)
            except BaseException as e:  # noqa: BLE001 - record, then re-raise
                error = f"{type(e).__name__}: {e}"
                rec.fail("exception: " + error)
                log.error("%s", traceback.format_exc())
                raise
            finally:
                section = {"passed": rec.passed, "checks": rec.checks, "failed_checks": rec.nfail,
                           "failures": rec.failures}
                if error:
                    section["error"] = error
                section.update(rec.info)

                def upd(d):
                    d.setdefault("tests", {})[rec.name] = section

                results_update(upd)
            if not rec.passed:
                raise AssertionError(f"{rec.name}: {rec.nfail} check(s) failed; first: {rec.failures[0]}")

        del wrapper.__wrapped__  # cocotb must see the (dut) signature, not (dut, rec)
        return cocotb.test(timeout_time=timeout_us, timeout_unit="us")(wrapper)

    return deco


# ---------------------------------------------------------------------------------------------
# clock, reset, cycles
# ---------------------------------------------------------------------------------------------
class Cycles:
    """Counts rising edges of clk (n == number of rising edges since start)."""

    def __init__(self, clk):
        self.clk = clk
        self.n = 0
        cocotb.start_soon(self._run())

    async def _run(self):
        while True:
            await RisingEdge(self.clk)
            self.n += 1

    async def wait(self, k: int):
        for _ in range(k):
            await RisingEdge(self.clk)


def start_clock(dut) -> Cycles:
    Clock(dut.clk, CLK_NS, unit="ns").start(start_high=False)
    return Cycles(dut.clk)


async def reset(dut, cycles: int = 4):
    await FallingEdge(dut.clk)
    dut.rst.value = 1
    for _ in range(cycles):
        await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    for _ in range(2):
        await RisingEdge(dut.clk)


def sig_int(sig, what: str = "") -> int:
    v = sig.value
    try:
        return int(v)
    except ValueError as e:
        raise AssertionError(f"{what or sig._name} is {v} (X/Z)") from e


def to_signed(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


# ---------------------------------------------------------------------------------------------
# raw AXI-Lite master
# ---------------------------------------------------------------------------------------------
class BusTimeout(AssertionError):
    pass


class _Pending:
    __slots__ = ("event", "delay", "result")

    def __init__(self, delay: int):
        self.event = Event()
        self.delay = delay
        self.result = None


class AxilRaw:
    """Minimal AXI-Lite master with per-call strobes and handshake timing, and pipelining.

    write(addr, data, strb, aw_delay, w_delay, b_delay) -> bresp
    read(addr, ar_delay, r_delay) -> (rdata, rresp)
    A write holds the AW/W issue lock only until both of its handshakes are done; its response is
    collected by the B-channel task (bready raised `b_delay` cycles after the write reaches the
    head of the response queue). So concurrent callers get several writes outstanding while an
    earlier B is still held off, and likewise for reads (AR issue lock, R-channel task with
    `r_delay`). Responses are matched in order (AXI-Lite has no IDs). A response with nothing
    outstanding is a protocol error (recorded in `protocol_errors`). Each call times out after
    `timeout_cycles` (BusTimeout: the bus hung).
    """

    def __init__(self, dut, prefix: str = "s_axil", timeout_cycles: int = 2000):
        self.dut = dut
        self.clk = dut.clk
        self.p = prefix
        self.timeout_ns = timeout_cycles * CLK_NS
        self.w_issue = Lock()
        self.r_issue = Lock()
        self.b_queue: list[_Pending] = []
        self.r_queue: list[_Pending] = []
        self.protocol_errors: list[str] = []
        self.addr_width = len(self._s("awaddr"))
        self.has_prot = hasattr(dut, f"{prefix}_awprot")
        for name in ("awvalid", "wvalid", "bready", "arvalid", "rready", "awaddr", "wdata", "wstrb", "araddr"):
            self._s(name).value = 0
        if self.has_prot:
            self._s("awprot").value = 0
            self._s("arprot").value = 0
        cocotb.start_soon(self._resp_channel(self.b_queue, "bready", "bvalid", ("bresp",)))
        cocotb.start_soon(self._resp_channel(self.r_queue, "rready", "rvalid", ("rdata", "rresp")))

    def _s(self, name):
        return getattr(self.dut, f"{self.p}_{name}")

    async def _wait_cycles(self, k):
        for _ in range(k):
            await FallingEdge(self.clk)

    async def _handshake(self, valid, ready):
        """valid is already driven (after a falling edge); wait until ready is seen with it."""
        while True:
            await ReadOnly()
            if sig_int(ready, ready._name) == 1:
                await FallingEdge(self.clk)  # handshake completed at the rising edge in between
                valid.value = 0
                return
            await FallingEdge(self.clk)

    async def _resp_channel(self, queue, ready_name, valid_name, fields):
        ready, valid = self._s(ready_name), self._s(valid_name)
        while True:
            await FallingEdge(self.clk)
            if queue:
                head = queue[0]
                await self._wait_cycles(head.delay)
                ready.value = 1
                while True:
                    await ReadOnly()
                    if sig_int(valid, valid_name) == 1:
                        head.result = tuple(sig_int(self._s(f)) for f in fields)
                        await FallingEdge(self.clk)
                        ready.value = 0
                        queue.pop(0)
                        head.event.set()
                        break
                    await FallingEdge(self.clk)
            else:
                await ReadOnly()
                try:
                    if sig_int(valid, valid_name) == 1 and sig_int(self.dut.rst) == 0:
                        self.protocol_errors.append(f"{valid_name} with no request outstanding")
                except AssertionError:
                    pass

    async def _aw(self, addr, prot, delay):
        await FallingEdge(self.clk)
        await self._wait_cycles(delay)
        self._s("awaddr").value = addr
        if self.has_prot:
            self._s("awprot").value = prot
        self._s("awvalid").value = 1
        await self._handshake(self._s("awvalid"), self._s("awready"))

    async def _w(self, data, strb, delay):
        await FallingEdge(self.clk)
        await self._wait_cycles(delay)
        self._s("wdata").value = data & 0xFFFFFFFF
        self._s("wstrb").value = strb & 0xF
        self._s("wvalid").value = 1
        await self._handshake(self._s("wvalid"), self._s("wready"))

    async def _write(self, addr, data, strb, prot, aw_delay, w_delay, b_delay):
        async with self.w_issue:
            pend = _Pending(b_delay)
            self.b_queue.append(pend)
            aw = cocotb.start_soon(self._aw(addr, prot, aw_delay))
            w = cocotb.start_soon(self._w(data, strb, w_delay))
            await aw
            await w
        await pend.event.wait()
        return pend.result[0]

    async def write(self, addr, data, strb=0xF, prot=0, aw_delay=0, w_delay=0, b_delay=0) -> int:
        try:
            return await with_timeout(self._write(addr, data, strb, prot, aw_delay, w_delay, b_delay),
                                      self.timeout_ns, "ns")
        except Exception as e:
            if type(e).__name__ == "SimTimeoutError":
                raise BusTimeout(f"AXI-Lite write 0x{addr:x} hung") from e
            raise

    async def _read(self, addr, prot, ar_delay, r_delay):
        async with self.r_issue:
            pend = _Pending(r_delay)
            self.r_queue.append(pend)
            await FallingEdge(self.clk)
            await self._wait_cycles(ar_delay)
            self._s("araddr").value = addr
            if self.has_prot:
                self._s("arprot").value = prot
            self._s("arvalid").value = 1
            await self._handshake(self._s("arvalid"), self._s("arready"))
        await pend.event.wait()
        return pend.result

    async def read(self, addr, prot=0, ar_delay=0, r_delay=0) -> tuple[int, int]:
        try:
            return await with_timeout(self._read(addr, prot, ar_delay, r_delay), self.timeout_ns, "ns")
        except Exception as e:
            if type(e).__name__ == "SimTimeoutError":
                raise BusTimeout(f"AXI-Lite read 0x{addr:x} hung") from e
            raise


class AxilStd:
    """Same read/write interface over cocotbext-axi's AxiLiteMaster (full-word accesses only)."""

    def __init__(self, dut, prefix: str = "s_axil", timeout_cycles: int = 2000):
        from cocotbext.axi import AxiLiteBus, AxiLiteMaster

        self.dut = dut
        self.m = AxiLiteMaster(AxiLiteBus.from_prefix(dut, prefix), dut.clk, dut.rst)
        for lg in (self.m.write_if.log, self.m.read_if.log):
            lg.setLevel(logging.WARNING)
        self.addr_width = len(getattr(dut, f"{prefix}_awaddr"))
        self.timeout_ns = timeout_cycles * CLK_NS

    async def write(self, addr, data, strb=0xF, **_ignored) -> int:
        if strb != 0xF:
            raise ValueError("AxilStd writes full words only; use AxilRaw for strobes")
        try:
            r = await with_timeout(self.m.write(addr, (data & 0xFFFFFFFF).to_bytes(4, "little")), self.timeout_ns, "ns")
        except Exception as e:
            if type(e).__name__ == "SimTimeoutError":
                raise BusTimeout(f"AXI-Lite write 0x{addr:x} hung") from e
            raise
        return int(r.resp)

    async def read(self, addr, **_ignored) -> tuple[int, int]:
        try:
            r = await with_timeout(self.m.read(addr, 4), self.timeout_ns, "ns")
        except Exception as e:
            if type(e).__name__ == "SimTimeoutError":
                raise BusTimeout(f"AXI-Lite read 0x{addr:x} hung") from e
            raise
        return int.from_bytes(r.data, "little"), int(r.resp)


def make_rng(seed: int, salt: str) -> random.Random:
    return random.Random(f"{seed}:{salt}")


# ---------------------------------------------------------------------------------------------
# the register model from the job (regmap.json shape: codegen/regmap/export-json.ts)
# ---------------------------------------------------------------------------------------------
class RegMap:
    """Addresses, field positions and register packing, all from the exported register model.

    A bench never types a bit position or a packing by hand: it asks for the field by name, so a
    change to the model reaches every bench (and a bench that disagrees with the RTL fails).
    """

    def __init__(self, data: dict):
        self.data = data
        self.blocks = {b["name"]: b for b in data["blocks"]}
        self.constants = dict(data.get("constants", {}))

    def regs(self, block: str) -> dict:
        return {r["name"]: r for r in self.blocks[block]["registers"]}

    def field(self, block: str, reg: str, name: str) -> dict:
        for f in self.regs(block)[reg]["fields"]:
            if f["name"] == name:
                return f
        raise KeyError(f"register model has no field {block}.{reg}.{name}")

    def mask(self, block: str, reg: str, name: str) -> int:
        """The field's bits in the register (for a 1-bit field: its bit)."""
        return int(self.field(block, reg, name)["mask"])

    def get(self, block: str, reg: str, name: str, value: int) -> int:
        f = self.field(block, reg, name)
        return (value >> int(f["lsb"])) & ((1 << int(f["width"])) - 1)

    def flags(self, block: str, reg: str, name: str, **set_flags: bool) -> int:
        """The value of a flags field with the named flags set: flags("global", "CAPS", "FLAGS", HEAD_SCORES=True)."""
        bits = {fl["name"]: int(fl["bit"]) for fl in self.field(block, reg, name).get("flags", [])}
        unknown = set(set_flags) - set(bits)
        if unknown:
            raise KeyError(f"{block}.{reg}.{name} has no flag(s) {sorted(unknown)}")
        return sum(1 << bits[k] for k, on in set_flags.items() if on)

    def pack(self, block: str, reg: str, **fields: int) -> int:
        """A register value from field values by name (fields not given are 0)."""
        word = 0
        for name, v in fields.items():
            f = self.field(block, reg, name)
            if not 0 <= v < (1 << int(f["width"])):
                raise ValueError(f"{block}.{reg}.{name} = {v} does not fit {f['width']} bits")
            word |= v << int(f["lsb"])
        return word

    def unpack(self, block: str, reg: str, value: int) -> dict:
        return {f["name"].lower(): self.get(block, reg, f["name"], value) for f in self.regs(block)[reg]["fields"]}
