// SPDX-License-Identifier: GPL-2.0
//
// The bus of nicsched_bus.h on a Verilated nicsched_top: each call drives one AXI-Lite
// transaction with its handshakes (AW and W offered together, B accepted; AR, then R), one
// clock edge at a time. A handshake happens at a rising edge where valid and ready are both
// high; inputs change only while the clock is low. A lock serializes callers (the core's
// submitter threads and its poller share one bus, as CPUs share one PCIe link).
//
// Every edge also services the RTL's DMA client port as Corundum's DMA engine would (Dma below):
// a write descriptor is taken, the entry read from the DMA RAM port (one command per segment
// word, responses in order), the bytes written to host memory through the callback, and the
// status returned to the RTL for one cycle.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "Vnicsched_top.h"
#include "verilated.h"

#include "nicsched_bus.h"

#ifndef NICSCHED_CLOCK_MHZ
#define NICSCHED_CLOCK_MHZ 250
#endif

namespace {

constexpr unsigned kTimeoutCycles = 1000;  // a transaction that takes longer is a hung bus
constexpr unsigned kResetCycles = 8;
constexpr uint32_t kAllOnes = 0xffffffffu;

// The DMA RAM geometry of the generated nicsched_top (its parameter defaults): 2 segments of
// 128 bits, 12 RAM address bits, so 7 address bits per segment.
constexpr unsigned kSegCount = 2;
constexpr unsigned kSegBytes = 16;
constexpr unsigned kSegAddrBits = 7;
constexpr unsigned kDmaQueue = 4;         // descriptors the engine takes ahead
constexpr uint8_t kDmaError = 0x1;        // status error of a write that did not reach memory

// One write descriptor, from taken to its status.
struct DmaOp {
    uint64_t addr = 0;
    uint32_t ram_addr = 0;
    uint32_t len = 0;
    uint32_t tag = 0;
    std::vector<uint8_t> data;  // filled from the RAM responses
};

// Corundum's DMA write engine as the RTL sees it: the state between edges.
struct Dma {
    nicsched_bus_dma_write_fn write = nullptr;
    void *ctx = nullptr;
    std::deque<DmaOp> taken;                 // descriptors taken, not yet read
    bool reading = false;                    // taken.front() is being read from the RAM
    std::deque<uint32_t> cmds[kSegCount];    // segment word addresses to ask for
    std::deque<uint32_t> expect[kSegCount];  // asked, response due
    std::deque<std::pair<uint32_t, uint8_t>> status;  // (tag, error) to return, one per cycle
    std::atomic<uint64_t> writes{0};
    std::atomic<uint64_t> dropped{0};
};

struct Bus {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Vnicsched_top> top;
    std::mutex lock;
    std::atomic<uint64_t> cycles{0};
    std::atomic<uint64_t> reads{0};
    std::atomic<uint64_t> writes{0};
    std::atomic<uint64_t> slverr{0};
    std::atomic<uint64_t> masked{0};
    std::atomic<uint64_t> skipped{0};
    std::atomic<uint64_t> peeks{0};
    uint32_t window = 0;        // bytes: 2^NICSCHED_ADDR_WIDTH of the C side's nicsched_regs.h
    nicsched_bus_layout layout{};
    std::vector<uint64_t> doorbell_cycle;  // per slot: the cycle of its last DOORBELL write
    std::vector<bool> held;                // per slot: its answer held back (nicsched_bus_hold_result())
    nicsched_bus_fault fault = NICSCHED_BUS_HEALTHY;
    uint64_t slow_cycles = 0;
    int64_t remove_after = -1;  // transactions left before removal; -1: never
    bool removed = false;
    Dma dma;
};

Bus *g_bus = nullptr;

[[noreturn]] void fatal(const char *what, uint32_t addr) {
    std::fprintf(stderr, "nicsched_bus: %s at 0x%05x after %llu cycles\n", what, addr,
                 static_cast<unsigned long long>(g_bus ? g_bus->cycles.load() : 0));
    std::abort();
}

// ---- the DMA engine -----------------------------------------------------------------------

// What the handshakes of this edge will be, read before it (inputs set, model evaluated).
struct DmaEdge {
    bool desc = false;
    bool cmd[kSegCount] = {};
    bool resp[kSegCount] = {};
    uint32_t resp_data[kSegCount][kSegBytes / 4] = {};
};

bool dma_held(const Bus &b) {
    return b.fault == NICSCHED_BUS_STALL;
}

DmaEdge dma_sample(Bus &b) {
    Vnicsched_top &t = *b.top;
    DmaEdge e;
    e.desc = t.m_axis_dma_write_desc_valid && t.m_axis_dma_write_desc_ready;
    if (e.desc) {
        DmaOp op;
        op.addr = t.m_axis_dma_write_desc_dma_addr;
        op.ram_addr = t.m_axis_dma_write_desc_ram_addr;
        op.len = t.m_axis_dma_write_desc_len;
        op.tag = t.m_axis_dma_write_desc_tag;
        b.dma.taken.push_back(op);
    }
    for (unsigned s = 0; s < kSegCount; s++) {
        e.cmd[s] = ((t.dma_ram_rd_cmd_valid >> s) & 1) && ((t.dma_ram_rd_cmd_ready >> s) & 1);
        e.resp[s] = ((t.dma_ram_rd_resp_valid >> s) & 1) && ((t.dma_ram_rd_resp_ready >> s) & 1);
        for (unsigned w = 0; w < kSegBytes / 4; w++)
            e.resp_data[s][w] = t.dma_ram_rd_resp_data[s * (kSegBytes / 4) + w];
    }
    return e;
}

// The segment words holding RAM bytes [ram_addr, ram_addr + len), in order.
void dma_start(Dma &d) {
    DmaOp &op = d.taken.front();
    op.data.assign(op.len, 0);
    int64_t last = -1;
    for (uint32_t a = op.ram_addr; a < op.ram_addr + op.len; a++) {
        const uint32_t word = a / kSegBytes;  // segment word across all segments
        if (static_cast<int64_t>(word) == last)
            continue;
        last = word;
        d.cmds[word % kSegCount].push_back(word / kSegCount);
    }
    d.reading = true;
}

// Bytes of a response for segment @s at segment address @addr into the current op.
void dma_fill(Dma &d, unsigned s, uint32_t addr, const uint32_t *data) {
    DmaOp &op = d.taken.front();
    const uint32_t first = (addr * kSegCount + s) * kSegBytes;
    for (uint32_t i = 0; i < kSegBytes; i++) {
        const uint32_t a = first + i;
        if (a >= op.ram_addr && a < op.ram_addr + op.len)
            op.data[a - op.ram_addr] = static_cast<uint8_t>(data[i / 4] >> (8 * (i % 4)));
    }
}

bool dma_read_done(const Dma &d) {
    for (unsigned s = 0; s < kSegCount; s++)
        if (!d.cmds[s].empty() || !d.expect[s].empty())
            return false;
    return true;
}

// The op is read: deliver it, unless SLOW holds its slot's answer back (then try next edge).
bool dma_deliver(Bus &b) {
    Dma &d = b.dma;
    DmaOp &op = d.taken.front();
    const uint32_t slot = op.tag;
    if (b.fault == NICSCHED_BUS_SLOW && slot < b.doorbell_cycle.size() &&
        b.cycles.load() - b.doorbell_cycle[slot] < b.slow_cycles)
        return false;
    uint8_t error = 0;
    if (b.removed || !d.write || d.write(d.ctx, op.addr, op.data.data(), op.len) != 0) {
        error = kDmaError;
        d.dropped++;
    } else {
        d.writes++;
    }
    d.status.emplace_back(op.tag, error);
    d.taken.pop_front();
    d.reading = false;
    return true;
}

// After the edge: the handshakes of @e took effect; advance and set the inputs for the next one.
void dma_update(Bus &b, const DmaEdge &e) {
    Vnicsched_top &t = *b.top;
    Dma &d = b.dma;
    for (unsigned s = 0; s < kSegCount; s++) {
        if (e.cmd[s]) {
            d.expect[s].push_back(d.cmds[s].front());
            d.cmds[s].pop_front();
        }
        if (e.resp[s] && !d.expect[s].empty()) {
            dma_fill(d, s, d.expect[s].front(), e.resp_data[s]);
            d.expect[s].pop_front();
        }
    }
    if (d.reading && dma_read_done(d))
        dma_deliver(b);
    if (!d.reading && !d.taken.empty())
        dma_start(d);
    // inputs for the next edge
    t.m_axis_dma_write_desc_ready = !dma_held(b) && d.taken.size() < kDmaQueue;
    const bool status = !d.status.empty();
    t.s_axis_dma_write_desc_status_valid = status;
    t.s_axis_dma_write_desc_status_tag = status ? d.status.front().first : 0;
    t.s_axis_dma_write_desc_status_error = status ? d.status.front().second : 0;
    if (status)
        d.status.pop_front();
    uint32_t valid = 0, addr = 0;
    for (unsigned s = 0; s < kSegCount; s++)
        if (!d.cmds[s].empty()) {
            valid |= 1u << s;
            addr |= (d.cmds[s].front() & ((1u << kSegAddrBits) - 1)) << (s * kSegAddrBits);
        }
    t.dma_ram_rd_cmd_valid = valid;
    t.dma_ram_rd_cmd_addr = addr;
    t.dma_ram_rd_cmd_sel = 0;
    t.dma_ram_rd_resp_ready = (1u << kSegCount) - 1;
}

// One rising edge, then back to low: the inputs set before are sampled at this edge.
void edge(Bus &b) {
    b.top->eval();
    const DmaEdge dma = dma_sample(b);
    b.top->clk = 1;
    b.top->eval();
    b.ctx->timeInc(1);
    b.top->clk = 0;
    b.top->eval();
    b.ctx->timeInc(1);
    b.cycles++;
    dma_update(b, dma);
    b.top->eval();
}

// Count one transaction against the removal countdown; true once the device is gone.
bool gone(Bus &b) {
    if (!b.removed && b.remove_after >= 0) {
        if (b.remove_after == 0)
            b.removed = true;
        else
            b.remove_after--;
    }
    return b.removed;
}

// The slot whose register @reg (DOORBELL or RESULT offset) @addr is, or -1.
int slot_of(const Bus &b, uint32_t addr, uint32_t reg) {
    const nicsched_bus_layout &l = b.layout;
    if (addr < l.slot_base || !l.slot_stride)
        return -1;
    const uint32_t n = (addr - l.slot_base) / l.slot_stride;
    if (n >= l.slots || (addr - l.slot_base) % l.slot_stride != reg)
        return -1;
    return static_cast<int>(n);
}

// What the host sees of RESULT of slot @n under the current fault.
uint32_t faulty_result(Bus &b, unsigned n, uint32_t result) {
    const bool hide = b.fault == NICSCHED_BUS_STALL || b.held[n] ||
                      (b.fault == NICSCHED_BUS_SLOW && b.cycles.load() - b.doorbell_cycle[n] < b.slow_cycles);
    if (!hide)
        return result;
    b.masked++;
    return (result & ~b.layout.result_valid) | b.layout.result_busy;
}

void axil_write(Bus &b, uint32_t addr, uint32_t data, uint8_t strb) {
    Vnicsched_top &t = *b.top;
    t.s_axil_awaddr = addr;
    t.s_axil_awprot = 0;
    t.s_axil_awvalid = 1;
    t.s_axil_wdata = data;
    t.s_axil_wstrb = strb & 0xf;
    t.s_axil_wvalid = 1;
    t.s_axil_bready = 1;
    for (unsigned n = 0; n < kTimeoutCycles; n++) {
        t.eval();
        const bool aw = t.s_axil_awvalid && t.s_axil_awready;
        const bool w = t.s_axil_wvalid && t.s_axil_wready;
        const bool resp = t.s_axil_bvalid && t.s_axil_bready;
        const unsigned bresp = t.s_axil_bresp;
        edge(b);
        if (aw)
            t.s_axil_awvalid = 0;
        if (w)
            t.s_axil_wvalid = 0;
        if (resp) {
            t.s_axil_bready = 0;
            t.eval();
            if (bresp != 0)
                b.slverr++;
            return;
        }
    }
    fatal("write response timeout", addr);
}

uint32_t axil_read(Bus &b, uint32_t addr) {
    Vnicsched_top &t = *b.top;
    t.s_axil_araddr = addr;
    t.s_axil_arprot = 0;
    t.s_axil_arvalid = 1;
    t.s_axil_rready = 1;
    for (unsigned n = 0; n < kTimeoutCycles; n++) {
        t.eval();
        const bool ar = t.s_axil_arvalid && t.s_axil_arready;
        const bool r = t.s_axil_rvalid && t.s_axil_rready;
        const uint32_t data = t.s_axil_rdata;
        const unsigned rresp = t.s_axil_rresp;
        edge(b);
        if (ar)
            t.s_axil_arvalid = 0;
        if (r) {
            t.s_axil_rready = 0;
            t.eval();
            if (rresp != 0)
                b.slverr++;
            return data;
        }
    }
    fatal("read data timeout", addr);
}

// Reset held for kResetCycles with every handshake idle, then one cycle out of reset.
void hold_reset(Bus &b) {
    Vnicsched_top &t = *b.top;
    b.dma.taken.clear();
    b.dma.reading = false;
    for (unsigned s = 0; s < kSegCount; s++) {
        b.dma.cmds[s].clear();
        b.dma.expect[s].clear();
    }
    b.dma.status.clear();
    t.clk = 0;
    t.rst = 1;
    t.s_axil_awvalid = 0;
    t.s_axil_wvalid = 0;
    t.s_axil_bready = 0;
    t.s_axil_arvalid = 0;
    t.s_axil_rready = 0;
    t.eval();
    for (unsigned n = 0; n < kResetCycles; n++)
        edge(b);
    t.rst = 0;
    t.eval();
    edge(b);
}

void check_window(const Bus &b, uint32_t addr, const char *what) {
    if (addr >= b.window || (addr & 3))
        fatal(what, addr);
}

}  // namespace

extern "C" void nicsched_bus_open_layout(__u32 size, const struct nicsched_bus_layout *layout) {
    g_bus = new Bus;
    g_bus->window = size;
    g_bus->layout = *layout;
    g_bus->doorbell_cycle.assign(layout->slots, 0);
    g_bus->held.assign(layout->slots, false);
    g_bus->ctx = std::make_unique<VerilatedContext>();
    g_bus->top = std::make_unique<Vnicsched_top>(g_bus->ctx.get(), "nicsched_top");
    hold_reset(*g_bus);
}

extern "C" void nicsched_bus_reset(void) {
    std::lock_guard<std::mutex> guard(g_bus->lock);
    hold_reset(*g_bus);
}

extern "C" void nicsched_bus_close(void) {
    if (!g_bus)
        return;
    g_bus->top->final();
    delete g_bus;
    g_bus = nullptr;
}

extern "C" __u32 nicsched_bus_read32(__u32 addr) {
    std::lock_guard<std::mutex> guard(g_bus->lock);
    g_bus->reads++;
    check_window(*g_bus, addr, "read outside the window");
    if (gone(*g_bus))
        return kAllOnes;
    const uint32_t data = axil_read(*g_bus, addr);
    const int slot = slot_of(*g_bus, addr, g_bus->layout.result);
    return slot < 0 ? data : faulty_result(*g_bus, static_cast<unsigned>(slot), data);
}

extern "C" void nicsched_bus_write32_strb(__u32 addr, __u32 val, __u8 strb) {
    std::lock_guard<std::mutex> guard(g_bus->lock);
    g_bus->writes++;
    check_window(*g_bus, addr, "write outside the window");
    if (gone(*g_bus))
        return;
    axil_write(*g_bus, addr, val, strb);
    const int slot = slot_of(*g_bus, addr, g_bus->layout.doorbell);
    if (slot >= 0)
        g_bus->doorbell_cycle[static_cast<unsigned>(slot)] = g_bus->cycles.load();
}

extern "C" void nicsched_bus_write32(__u32 addr, __u32 val) {
    nicsched_bus_write32_strb(addr, val, 0xf);
}

extern "C" __u32 nicsched_bus_peek32(__u32 addr) {
    std::lock_guard<std::mutex> guard(g_bus->lock);
    g_bus->peeks++;
    check_window(*g_bus, addr, "peek outside the window");
    return axil_read(*g_bus, addr);
}

extern "C" void nicsched_bus_advance(__u64 cycles, __u64 max_simulated) {
    std::lock_guard<std::mutex> guard(g_bus->lock);
    const uint64_t simulated = cycles < max_simulated ? cycles : max_simulated;
    for (uint64_t n = 0; n < simulated; n++)
        edge(*g_bus);
    g_bus->skipped += cycles - simulated;
    g_bus->cycles += cycles - simulated;
}

extern "C" void nicsched_bus_remove_after(__s64 transactions) {
    std::lock_guard<std::mutex> guard(g_bus->lock);
    g_bus->remove_after = transactions;
    g_bus->removed = transactions == 0;
    if (transactions < 0)
        g_bus->removed = false;
}

extern "C" void nicsched_bus_set_fault(enum nicsched_bus_fault fault, __u64 cycles) {
    std::lock_guard<std::mutex> guard(g_bus->lock);
    g_bus->fault = fault;
    g_bus->slow_cycles = cycles;
}

extern "C" void nicsched_bus_hold_result(__u32 slot, int hold) {
    std::lock_guard<std::mutex> guard(g_bus->lock);
    if (slot >= g_bus->held.size())
        fatal("hold of a slot outside the layout", slot);
    g_bus->held[slot] = hold != 0;
}

extern "C" void nicsched_bus_set_dma(nicsched_bus_dma_write_fn write, void *ctx) {
    std::lock_guard<std::mutex> guard(g_bus->lock);
    g_bus->dma.write = write;
    g_bus->dma.ctx = ctx;
}

extern "C" int nicsched_bus_dma_idle(void) {
    std::lock_guard<std::mutex> guard(g_bus->lock);
    const Dma &d = g_bus->dma;
    return d.taken.empty() && d.status.empty() && !g_bus->top->m_axis_dma_write_desc_valid;
}

extern "C" __u64 nicsched_bus_time_ns(void) {
    return g_bus->cycles.load() * 1000u / NICSCHED_CLOCK_MHZ;
}

extern "C" void nicsched_bus_get_stats(struct nicsched_bus_stats *st) {
    st->reads = g_bus->reads.load();
    st->writes = g_bus->writes.load();
    st->cycles = g_bus->cycles.load();
    st->slverr = g_bus->slverr.load();
    st->masked = g_bus->masked.load();
    st->skipped = g_bus->skipped.load();
    st->peeks = g_bus->peeks.load();
    st->dma_writes = g_bus->dma.writes.load();
    st->dma_dropped = g_bus->dma.dropped.load();
}
