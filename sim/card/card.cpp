// SPDX-License-Identifier: GPL-2.0
#include "card.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "card_regs.h"

#ifndef NICSCHED_CLOCK_MHZ
#error "build with -DNICSCHED_CLOCK_MHZ=<the policy's target clock> (sim/card/build.sh does)"
#endif

namespace card {

namespace {

constexpr uint32_t kAllOnes = 0xffffffffu;
constexpr uint64_t kClockMhz = NICSCHED_CLOCK_MHZ;  // cycles per microsecond
constexpr uint64_t kDrainMargin = 16;
constexpr uint64_t kDmaWriteCycles = 8;  // a mailbox write through the bus's DMA engine, at most
constexpr int kDmaTickMs = 1;            // how often a held DMA write is looked at again
constexpr uint64_t kMaxSlowUs = 10'000'000;
constexpr size_t kMaxMemCommandBytes = 4096;
constexpr const char *kCommands =
    "stall on|off, remove, slow US, healthy, stats, mem-read GPA LEN, mem-write GPA HEX, help";

bool within(uint32_t offset, uint32_t first, uint32_t words) {
    return offset >= first && offset < first + 4 * words;
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

uint64_t low_bytes_mask(unsigned bytes) {
    return bytes >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * bytes)) - 1;
}

uint32_t strobe_mask(uint8_t strobes) {
    uint32_t mask = 0;
    for (unsigned lane = 0; lane < 4; lane++)
        if (strobes & (1u << lane))
            mask |= uint32_t{0xff} << (8 * lane);
    return mask;
}

// A register value as the policy's number format reads it: two's complement when signed.
int64_t as_number(uint32_t raw, unsigned bits, bool is_signed) {
    const uint32_t mask = bits >= 32 ? kAllOnes : (uint32_t{1} << bits) - 1;
    const uint32_t v = raw & mask;
    if (is_signed && bits < 32 && (v >> (bits - 1)) & 1)
        return static_cast<int64_t>(v) - (int64_t{1} << bits);
    if (is_signed && bits >= 32)
        return static_cast<int32_t>(v);
    return v;
}

bool parse_u64(const std::string &text, uint64_t &out) {
    if (text.empty() || text[0] == '-')
        return false;
    errno = 0;
    char *end = nullptr;
    const unsigned long long v = std::strtoull(text.c_str(), &end, 0);
    if (errno || *end != '\0')
        return false;
    out = v;
    return true;
}

std::vector<std::string> split(const std::string &line) {
    std::vector<std::string> words;
    size_t at = 0;
    while (at < line.size()) {
        const size_t start = line.find_first_not_of(" \t\r", at);
        if (start == std::string::npos)
            break;
        const size_t end = line.find_first_of(" \t\r", start);
        words.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
        at = end == std::string::npos ? line.size() : end;
    }
    return words;
}

uint64_t bus_cycles() {
    nicsched_bus_stats st{};
    nicsched_bus_get_stats(&st);
    return st.cycles;
}

}  // namespace

uint64_t Card::now_ns() {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
}

const char *kind_name(RegKind kind) {
    switch (kind) {
    case RegKind::Config: return "config";
    case RegKind::Id: return "id";
    case RegKind::Features: return "features";
    case RegKind::Doorbell: return "doorbell";
    case RegKind::Result: return "result";
    case RegKind::Scores: return "scores";
    case RegKind::Counters: return "counters";
    case RegKind::Weights: return "weights";
    case RegKind::Dma: return "dma";
    case RegKind::Other:
    case RegKind::Count: break;
    }
    return "other";
}

RegKind classify(uint32_t offset) {
    const uint32_t off = offset & ~uint32_t{3};
    if (off >= NICSCHED_WEIGHTS_BASE)
        return within(off, NICSCHED_WEIGHTS_BASE, NICSCHED_WEIGHTS_WORDS) ? RegKind::Weights : RegKind::Other;
    if (off >= NICSCHED_SLOT_BASE) {
        const uint32_t slot = (off - NICSCHED_SLOT_BASE) / NICSCHED_SLOT_STRIDE;
        const uint32_t reg = (off - NICSCHED_SLOT_BASE) % NICSCHED_SLOT_STRIDE;
        if (slot >= NICSCHED_SLOTS)
            return RegKind::Other;
        if (reg == NICSCHED_SLOT_DOORBELL)
            return RegKind::Doorbell;
        if (reg == NICSCHED_SLOT_RESULT)
            return RegKind::Result;
        if (within(reg, NICSCHED_SLOT_SCORE0, NICSCHED_OUTPUTS))
            return RegKind::Scores;
        if (within(reg, NICSCHED_SLOT_FEATURE0, NICSCHED_INPUTS) ||
            within(reg, NICSCHED_SLOT_FEATURES_PACKED0, NICSCHED_PACKED_WORDS))
            return RegKind::Features;
        return RegKind::Other;
    }
    switch (off) {
    case NICSCHED_REG_ID:
    case NICSCHED_REG_VERSION:
    case NICSCHED_REG_POLICY_HASH:
    case NICSCHED_REG_CAPS:
    case NICSCHED_REG_TIMING:
    case NICSCHED_REG_FORMAT:
        return RegKind::Id;
    case NICSCHED_REG_INFERENCES:
    case NICSCHED_REG_LAT_LAST:
    case NICSCHED_REG_LAT_MAX:
    case NICSCHED_REG_ERRORS:
    case NICSCHED_REG_RELOADS:
        return RegKind::Counters;
    case NICSCHED_REG_DMA_CTRL:
    case NICSCHED_REG_DMA_STATUS:
    case NICSCHED_REG_DMA_BASE_LO:
    case NICSCHED_REG_DMA_BASE_HI:
    case NICSCHED_REG_DMA_WRITES:
    case NICSCHED_REG_DMA_ERRORS:
        return RegKind::Dma;
    default:
        return RegKind::Other;
    }
}

Card::Card(const CardOptions &options) : config_(kWindowBytes), options_(options), start_ns_(now_ns()) {
    const nicsched_bus_layout layout = NICSCHED_BUS_LAYOUT;
    nicsched_bus_open_layout(kWindowBytes, &layout);
    const uint32_t id = nicsched_bus_peek32(NICSCHED_REG_ID);
    const uint32_t hash = nicsched_bus_peek32(NICSCHED_REG_POLICY_HASH);
    if (id != NICSCHED_ID_VALUE || hash != NICSCHED_POLICY_HASH_VALUE)
        throw std::runtime_error("the Verilated RTL answers ID " + hex(id) + " and POLICY_HASH " + hex(hash) +
                                 ", the register map says " + hex(NICSCHED_ID_VALUE) + " and " +
                                 hex(NICSCHED_POLICY_HASH_VALUE) + ": rebuild with sim/card/build.sh");
    const uint32_t timing = nicsched_bus_peek32(NICSCHED_REG_TIMING);
    const uint64_t latency = (timing & NICSCHED_TIMING_LATENCY_MASK) >> NICSCHED_TIMING_LATENCY_SHIFT;
    uint64_t ii = (timing & NICSCHED_TIMING_II_MASK) >> NICSCHED_TIMING_II_SHIFT;
    if (ii == 0)
        ii = 1;
    // the inferences, then every slot's mailbox write (descriptor, RAM read, status)
    drain_cycles_ = latency + NICSCHED_SLOTS * ii + NICSCHED_SLOTS * kDmaWriteCycles + kDrainMargin;
    nicsched_bus_set_dma(&Card::dma_write, this);
    const uint32_t format = nicsched_bus_peek32(NICSCHED_REG_FORMAT);
    in_signed_ = format & NICSCHED_FORMAT_IN_SIGNED_MASK;
    out_signed_ = format & NICSCHED_FORMAT_OUT_SIGNED_MASK;
    if (!options_.log_path.empty()) {
        log_ = std::fopen(options_.log_path.c_str(), "w");
        if (!log_)
            throw std::runtime_error("cannot open the doorbell log " + options_.log_path + ": " + std::strerror(errno));
        std::setvbuf(log_, nullptr, _IOLBF, 0);
    }
}

Card::~Card() {
    nicsched_bus_set_dma(nullptr, nullptr);
    if (log_)
        std::fclose(log_);
    nicsched_bus_close();
}

std::string Card::summary() const {
    return "nicsched-card: policy " + hex(NICSCHED_POLICY_HASH_VALUE) + ", PCI 10ee:4e53, BAR0 " +
           std::to_string(kWindowBytes / 1024) + " KiB, " + std::to_string(NICSCHED_SLOTS) + " slots, " +
           std::to_string(NICSCHED_INPUTS) + " inputs, RTL clock " + std::to_string(kClockMhz) +
           " MHz, drain bound " + std::to_string(drain_cycles_) + " cycles, fault " + fault_name();
}

uint64_t Card::elapsed_ns() const {
    return now_ns() - start_ns_;
}

// ---- config space --------------------------------------------------------------------------

uint64_t Card::config_read(const PciConfigPayload &req) {
    if (!ConfigSpace::valid_access(req.addr, req.len))
        throw ProtocolError("PCI config read of " + std::to_string(req.len) + " bytes at " + hex(req.addr) +
                            ": not 1, 2 or 4 bytes within the 256-byte config space");
    counts_.reads[static_cast<size_t>(RegKind::Config)]++;
    return config_.read(req.addr, req.len);
}

void Card::config_write(const PciConfigPayload &req) {
    if (!ConfigSpace::valid_access(req.addr, req.len))
        throw ProtocolError("PCI config write of " + std::to_string(req.len) + " bytes at " + hex(req.addr) +
                            ": not 1, 2 or 4 bytes within the 256-byte config space");
    counts_.writes[static_cast<size_t>(RegKind::Config)]++;
    config_.write(req.addr, req.val, req.len);
}

void Card::device_reset() {
    config_.reset();
    nicsched_bus_reset();
    unsettled_ = drain_cycles_;
    counts_.resets++;
}

void Card::set_irqfds(std::vector<UniqueFd> fds) {
    irqfds_ = std::move(fds);  // kept, never signalled: the card raises no interrupt (docs/CARD.md)
    counts_.irqfds++;
}

// ---- BAR0 ----------------------------------------------------------------------------------

uint32_t Card::bar_offset(const BarAccessPayload &req, const char *what) {
    const std::string access = std::string(what) + " of " + std::to_string(req.size) + " bytes at " + hex(req.addr);
    if (options_.require_ram && memory_.regions() == 0)
        throw ProtocolError(access + " before any SYNC_SYSMEM, and --ram asks for guest RAM: start QEMU with "
                                     "-object memory-backend-memfd,id=mem,size=<RAM>,share=on -machine memory-backend=mem");
    if (!req.memory)
        throw ProtocolError(access + " is an I/O-space access; the card has only a memory BAR");
    if (req.size != 1 && req.size != 2 && req.size != 4 && req.size != 8)
        throw ProtocolError(access + ": QEMU 7.2 sends accesses of 1, 2, 4 or 8 bytes");
    if (!config_.memory_enabled())
        throw ProtocolError(access + " while memory decoding is off in the card's command register: QEMU and the "
                                     "card disagree on the config space");
    const uint64_t base = config_.bar0_base();
    if (req.addr < base || req.addr + req.size > base + kWindowBytes)
        throw ProtocolError(access + " is outside BAR0 [" + hex(base) + ", " + hex(base + kWindowBytes) +
                            "): QEMU and the card disagree on where BAR0 is");
    return static_cast<uint32_t>(req.addr - base);
}

// The time model (docs/CARD.md): before each guest access, the RTL clock catches up with host
// time at the policy's clock. Only a write to a DOORBELL or a control register can start work
// that lasts beyond its own transaction (reads have no side effects; feature, weight and hash
// writes land at once), and drain_cycles_ after it the RTL is idle again: so the cycles of the
// gap are simulated edge by edge while such a write is less than drain_cycles_ old, and only
// counted after that, when the RTL no longer changes.
void Card::catch_up() {
    const uint64_t target = elapsed_ns() * kClockMhz / 1000;
    const uint64_t now = bus_cycles();
    if (target <= now)
        return;
    const uint64_t simulate = target - now < unsettled_ ? target - now : unsettled_;
    nicsched_bus_advance(target - now, simulate);
    unsettled_ -= simulate;
}

uint32_t Card::read_word(uint32_t offset) {
    const RegKind kind = classify(offset);
    counts_.reads[static_cast<size_t>(kind)]++;
    const uint32_t value = nicsched_bus_read32(offset);
    if (kind == RegKind::Result && value != kAllOnes && (value & NICSCHED_RESULT_VALID_MASK))
        counts_.results_valid++;
    return value;
}

void Card::write_word(uint32_t offset, uint32_t value, uint8_t strobes) {
    const RegKind kind = classify(offset);
    counts_.writes[static_cast<size_t>(kind)]++;
    if (kind == RegKind::Doorbell)
        doorbell(offset, value, strobes);
    else
        nicsched_bus_write32_strb(offset, value, strobes);
    if (kind == RegKind::Doorbell || kind == RegKind::Other)
        unsettled_ = drain_cycles_;
}

uint64_t Card::bar_read(const BarAccessPayload &req) {
    const uint32_t offset = bar_offset(req, "BAR read");
    const unsigned lane = offset & 3;
    if (req.size == 8 ? lane != 0 : lane + req.size > 4) {
        counts_.misaligned++;
        std::fprintf(stderr, "nicsched-card: BAR read of %u bytes at BAR0 + %s crosses a 32-bit register: "
                             "answered all-ones\n", req.size, hex(offset).c_str());
        return low_bytes_mask(req.size);
    }
    catch_up();
    if (req.size == 8) {
        const uint64_t low = read_word(offset);
        return low | uint64_t{read_word(offset + 4)} << 32;
    }
    const uint32_t word = read_word(offset & ~uint32_t{3});
    return (word >> (8 * lane)) & low_bytes_mask(req.size);
}

void Card::bar_write(const BarAccessPayload &req) {
    const uint32_t offset = bar_offset(req, "BAR write");
    const unsigned lane = offset & 3;
    if (req.size == 8 ? lane != 0 : lane + req.size > 4) {
        counts_.misaligned++;
        std::fprintf(stderr, "nicsched-card: BAR write of %u bytes at BAR0 + %s crosses a 32-bit register: "
                             "dropped\n", req.size, hex(offset).c_str());
        return;
    }
    catch_up();
    if (req.size == 8) {
        write_word(offset, static_cast<uint32_t>(req.val), 0xf);
        write_word(offset + 4, static_cast<uint32_t>(req.val >> 32), 0xf);
        return;
    }
    const uint32_t value = static_cast<uint32_t>((req.val & low_bytes_mask(req.size)) << (8 * lane));
    const uint8_t strobes = static_cast<uint8_t>(((1u << req.size) - 1) << lane);
    write_word(offset & ~uint32_t{3}, value, strobes);
}

// ---- DMA writes into guest RAM (results by DMA, layout v3.0) ---------------------------------

// The bus's DMA engine delivers the RTL's write here, while it clocks the model. It lands only
// with bus mastering on (as a PCI function's writes do) and only in RAM QEMU shared with the card;
// otherwise the RTL gets an error status (DMA_ERRORS).
int Card::dma_write(void *ctx, __u64 gpa, const void *data, __u32 len) {
    Card &card = *static_cast<Card *>(ctx);
    if (!card.config_.bus_master() || !card.memory_.write(gpa, data, len)) {
        card.counts_.dma_dropped++;
        return -1;
    }
    card.counts_.dma_writes++;
    return 0;
}

// The RTL runs on after QEMU has its answer, as a free-running card would: the cycles a doorbell
// or a control write keeps it busy are simulated now, so its results, and their writes into
// guest RAM, land while the guest runs on, with no register read needed to move the clock.
void Card::settle() {
    if (unsettled_ == 0)
        return;
    nicsched_bus_advance(unsettled_, unsettled_);
    unsettled_ = 0;
}

// With the slow fault the bus holds a mailbox write back until its time has come; the card looks
// again every kDmaTickMs while one waits (nothing else would move the clock without a read).
int Card::dma_wait_ms() const {
    return nicsched_bus_dma_idle() ? -1 : kDmaTickMs;
}

void Card::dma_tick() {
    if (nicsched_bus_dma_idle())
        return;
    catch_up();
    nicsched_bus_advance(kDmaWriteCycles + kDrainMargin, kDmaWriteCycles + kDrainMargin);
}

// ---- doorbells and their log ---------------------------------------------------------------

void Card::doorbell(uint32_t offset, uint32_t value, uint8_t strobes) {
    const unsigned slot = (offset - NICSCHED_SLOT_BASE) / NICSCHED_SLOT_STRIDE;
    const uint32_t tag = (value & strobe_mask(strobes) & NICSCHED_DOORBELL_TAG_MASK) >> NICSCHED_DOORBELL_TAG_SHIFT;
    counts_.doorbells++;
    const uint32_t inferences_before = log_ ? nicsched_bus_peek32(NICSCHED_REG_INFERENCES) : 0;
    nicsched_bus_write32_strb(offset, value, strobes);
    if (log_)
        log_doorbell(slot, tag, !faults_.removed, inferences_before, bus_cycles());
}

// Everything is read back through the bus with nicsched_bus_peek32(): the card sees what the RTL
// latched and answered, whatever a fault shows the guest, and none of it counts as guest MMIO.
void Card::log_doorbell(unsigned slot, uint32_t tag, bool delivered, uint32_t inferences_before, uint64_t cycle) {
    std::string line = "{\"seq\":" + std::to_string(counts_.doorbells) + ",\"t_ns\":" + std::to_string(elapsed_ns()) +
                       ",\"cycle\":" + std::to_string(cycle) + ",\"slot\":" + std::to_string(slot) +
                       ",\"tag\":" + std::to_string(tag) + ",\"delivered\":" + (delivered ? "true" : "false") +
                       ",\"fault\":\"" + fault_name() + "\"";
    if (!delivered) {
        std::fprintf(log_, "%s,\"features\":null,\"answered\":false,\"action\":null,\"scores\":null}\n", line.c_str());
        return;
    }
    line += ",\"features\":[";
    uint32_t packed = 0;
    for (unsigned i = 0; i < NICSCHED_INPUTS; i++) {
        const unsigned word = i / NICSCHED_FEATURES_PER_WORD, lane = i % NICSCHED_FEATURES_PER_WORD;
        if (lane == 0)
            packed = nicsched_bus_peek32(slot_reg(slot, NICSCHED_SLOT_FEATURES_PACKED0 + 4 * word));
        const uint32_t raw = NICSCHED_IN_BITS >= 32 ? packed : packed >> (lane * NICSCHED_IN_BITS);
        line += (i ? "," : "") + std::to_string(as_number(raw, NICSCHED_IN_BITS, in_signed_));
    }
    line += "]";
    const uint64_t start = bus_cycles();
    uint32_t result = 0;
    bool answered = false;
    do {
        result = nicsched_bus_peek32(slot_reg(slot, NICSCHED_SLOT_RESULT));
        answered = (result & NICSCHED_RESULT_VALID_MASK) &&
                   ((result & NICSCHED_RESULT_TAG_MASK) >> NICSCHED_RESULT_TAG_SHIFT) == tag;
    } while (!answered && bus_cycles() - start < drain_cycles_);
    // a refused doorbell leaves the previous result, which may carry the same tag
    answered = answered && nicsched_bus_peek32(NICSCHED_REG_INFERENCES) != inferences_before;
    if (!answered) {
        const uint32_t error = nicsched_bus_peek32(NICSCHED_REG_ERROR);
        std::fprintf(log_, "%s,\"answered\":false,\"action\":null,\"scores\":null,\"error\":%u}\n", line.c_str(), error);
        return;
    }
    line += ",\"answered\":true,\"action\":" +
            std::to_string((result & NICSCHED_RESULT_ACTION_MASK) >> NICSCHED_RESULT_ACTION_SHIFT) + ",\"scores\":[";
    for (unsigned k = 0; k < NICSCHED_OUTPUTS; k++) {
        const uint32_t score = nicsched_bus_peek32(slot_reg(slot, NICSCHED_SLOT_SCORE0 + 4 * k));
        line += (k ? "," : "") + std::to_string(as_number(score, 32, out_signed_));
    }
    line += "],\"lat_cycles\":" + std::to_string(nicsched_bus_peek32(NICSCHED_REG_LAT_LAST)) + "}";
    std::fprintf(log_, "%s\n", line.c_str());
}

// ---- faults and the control socket -----------------------------------------------------------

std::string Card::fault_name() const {
    std::string name;
    if (faults_.removed)
        name = "removed";
    if (faults_.stall)
        name += name.empty() ? "stall" : "+stall";
    if (faults_.slow_us)
        name += (name.empty() ? "slow:" : "+slow:") + std::to_string(faults_.slow_us);
    return name.empty() ? "healthy" : name;
}

void Card::set_faults(const Faults &faults) {
    faults_ = faults;
    if (faults_.stall)
        nicsched_bus_set_fault(NICSCHED_BUS_STALL, 0);
    else if (faults_.slow_us)
        nicsched_bus_set_fault(NICSCHED_BUS_SLOW, faults_.slow_us * kClockMhz);
    else
        nicsched_bus_set_fault(NICSCHED_BUS_HEALTHY, 0);
    nicsched_bus_remove_after(faults_.removed ? 0 : -1);
}

void Card::apply_fault(const std::string &spec) {
    Faults next = faults_;
    uint64_t us = 0;
    if (spec == "stall")
        next.stall = true;
    else if (spec == "remove")
        next.removed = true;
    else if (spec.rfind("slow:", 0) == 0 && parse_u64(spec.substr(5), us) && us >= 1 && us <= kMaxSlowUs)
        next.slow_us = us;
    else
        throw std::invalid_argument("unknown fault '" + spec + "' (use stall, remove or slow:US with 1 <= US <= " +
                                    std::to_string(kMaxSlowUs) + ")");
    set_faults(next);
}

std::string Card::memory_command(const std::vector<std::string> &words) {
    uint64_t gpa = 0, len = 0;
    if (words[0] == "mem-read") {
        if (words.size() != 3 || !parse_u64(words[1], gpa) || !parse_u64(words[2], len) || len == 0 ||
            len > kMaxMemCommandBytes)
            return "error: usage: mem-read GPA LEN (1 <= LEN <= " + std::to_string(kMaxMemCommandBytes) + ")";
        std::vector<uint8_t> buf(len);
        if (!memory_.read(gpa, buf.data(), buf.size()))
            return "error: [" + hex(gpa) + ", " + hex(gpa + len) + ") is not guest RAM the card was given (" +
                   memory_.describe() + ")";
        std::string out = "ok ";
        char byte[3];
        for (uint8_t b : buf) {
            std::snprintf(byte, sizeof(byte), "%02x", b);
            out += byte;
        }
        return out;
    }
    const std::string &text = words.size() == 3 ? words[2] : std::string();
    if (words.size() != 3 || !parse_u64(words[1], gpa) || text.empty() || text.size() % 2 ||
        text.size() / 2 > kMaxMemCommandBytes || text.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
        return "error: usage: mem-write GPA HEX (1 to " + std::to_string(kMaxMemCommandBytes) + " bytes as hex digits)";
    std::vector<uint8_t> buf(text.size() / 2);
    for (size_t i = 0; i < buf.size(); i++)
        buf[i] = static_cast<uint8_t>(std::stoul(text.substr(2 * i, 2), nullptr, 16));
    if (!memory_.write(gpa, buf.data(), buf.size()))
        return "error: [" + hex(gpa) + ", " + hex(gpa + buf.size()) + ") is not guest RAM the card was given (" +
               memory_.describe() + ")";
    return "ok " + std::to_string(buf.size()) + " bytes";
}

std::string Card::control(const std::string &line) {
    const std::vector<std::string> words = split(line);
    if (words.empty())
        return std::string("error: empty command (") + kCommands + ")";
    const std::string &cmd = words[0];
    Faults next = faults_;
    uint64_t us = 0;
    if (cmd == "stats" && words.size() == 1)
        return stats_json();
    if (cmd == "help" && words.size() == 1)
        return std::string("ok ") + kCommands;
    if (cmd == "mem-read" || cmd == "mem-write")
        return memory_command(words);
    if (cmd == "stall" && words.size() == 2 && (words[1] == "on" || words[1] == "off"))
        next.stall = words[1] == "on";
    else if (cmd == "remove" && words.size() == 1)
        next.removed = true;
    else if (cmd == "healthy" && words.size() == 1)
        next = Faults{};
    else if (cmd == "slow" && words.size() == 2 && parse_u64(words[1], us) && us <= kMaxSlowUs)
        next.slow_us = us;  // slow 0: answers on time again
    else
        return "error: unknown or malformed command '" + line + "' (" + kCommands + ")";
    set_faults(next);
    return "ok fault=" + fault_name();
}

std::string Card::stats_json() const {
    nicsched_bus_stats bus{};
    nicsched_bus_get_stats(&bus);
    std::string reads, writes;
    uint64_t bar_reads = 0, bar_writes = 0;
    for (size_t k = 0; k < static_cast<size_t>(RegKind::Count); k++) {
        const std::string name = std::string("\"") + kind_name(static_cast<RegKind>(k)) + "\":";
        reads += (k ? "," : "") + name + std::to_string(counts_.reads[k]);
        writes += (k ? "," : "") + name + std::to_string(counts_.writes[k]);
        if (static_cast<RegKind>(k) != RegKind::Config) {
            bar_reads += counts_.reads[k];
            bar_writes += counts_.writes[k];
        }
    }
    return "{\"reads\":{" + reads + "},\"writes\":{" + writes + "},\"bar_reads\":" + std::to_string(bar_reads) +
           ",\"bar_writes\":" + std::to_string(bar_writes) + ",\"doorbells\":" + std::to_string(counts_.doorbells) +
           ",\"results_valid\":" + std::to_string(counts_.results_valid) +
           ",\"misaligned\":" + std::to_string(counts_.misaligned) + ",\"faults\":{\"stall\":" +
           (faults_.stall ? "true" : "false") + ",\"slow_us\":" + std::to_string(faults_.slow_us) +
           ",\"removed\":" + (faults_.removed ? "true" : "false") + "},\"fault\":\"" + fault_name() +
           "\",\"cycles\":" + std::to_string(bus.cycles) + ",\"simulated_cycles\":" +
           std::to_string(bus.cycles - bus.skipped) + ",\"peeks\":" + std::to_string(bus.peeks) +
           ",\"masked\":" + std::to_string(bus.masked) + ",\"clock_mhz\":" + std::to_string(kClockMhz) +
           ",\"uptime_ns\":" + std::to_string(elapsed_ns()) + ",\"resets\":" + std::to_string(counts_.resets) +
           ",\"irqfds\":" + std::to_string(counts_.irqfds) + ",\"messages\":" + std::to_string(counts_.messages) +
           ",\"busy_ns\":" + std::to_string(counts_.busy_ns) + ",\"bus_master\":" +
           (config_.bus_master() ? "true" : "false") + ",\"dma_writes\":" + std::to_string(counts_.dma_writes) +
           ",\"dma_dropped\":" + std::to_string(counts_.dma_dropped) + ",\"sysmem\":{\"syncs\":" +
           std::to_string(memory_.syncs()) + ",\"regions\":" + std::to_string(memory_.regions()) +
           ",\"bytes\":" + std::to_string(memory_.bytes()) + "}}";
}

}  // namespace card
