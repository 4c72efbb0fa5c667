// Bulk simulation of a policy's RTL: stream every vector of a CSV through the Verilated
// nicsched_bulk_top (nicsched_policy + nicsched_argmax) at the datapath's II, one input per
// accepted cycle so every pipeline stage is busy, and compare each output with the golden model's
// answer. No Python in the loop.
//
//   nicsched_bulk VECTORS.csv EXPECTED.csv MISMATCHES.csv
//
// VECTORS.csv and EXPECTED.csv are in the format `nicsched compile` writes to golden/ (a header
// row, then one row of integers per vector: the features; the action, -1 for a scores head, and
// the scores). Every mismatch is written to MISMATCHES.csv as "index,action,score0,..." (what the
// RTL produced). Prints KEY=value lines: VECTORS, MISMATCHES, CYCLES, SECONDS, RATE (inferences
// per second of simulation), II (cycles per accepted input), LATENCY (in_valid to out_valid of the
// first vector, in cycles: a single register stage is 1).
// Exit 0: every output matched; 1: mismatches; 2: bad input or a broken stream.
//
// The policy's shape comes from nicsched_policy.vh at build time (sim/bulk/build.sh).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "Vnicsched_bulk_top.h"
#include "verilated.h"

#ifndef NICSCHED_N_IN
#error "build with -DNICSCHED_N_IN=... (sim/bulk/build.sh)"
#endif

namespace {

constexpr unsigned kInputs = NICSCHED_N_IN;
constexpr unsigned kInBits = NICSCHED_IN_BITS;
constexpr unsigned kOutputs = NICSCHED_N_OUT;
constexpr unsigned kOutBits = NICSCHED_OUT_BITS;
constexpr bool kOutSigned = NICSCHED_OUT_SIGNED != 0;
constexpr bool kArgmax = NICSCHED_HEAD_ARGMAX != 0;
constexpr unsigned kInWords = (kInputs * kInBits + 31) / 32;
constexpr unsigned kOutWords = (kOutputs * kOutBits + 31) / 32;
constexpr unsigned kResetCycles = 8;

[[noreturn]] void fail(const std::string &what) {
    std::fprintf(stderr, "nicsched_bulk: %s\n", what.c_str());
    std::exit(2);
}

// A CSV of integers: a header row, then rows of `columns` integers.
std::vector<int64_t> read_csv(const char *path, unsigned columns, size_t &rows) {
    FILE *f = std::fopen(path, "rb");
    if (!f)
        fail(std::string("cannot open ") + path);
    std::string text;
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        text.append(buf, n);
    std::fclose(f);
    std::vector<int64_t> values;
    size_t pos = text.find('\n');
    if (pos == std::string::npos)
        fail(std::string(path) + ": no header row");
    unsigned line = 1;
    rows = 0;
    const char *p = text.c_str() + pos + 1;
    const char *end = text.c_str() + text.size();
    while (p < end) {
        line++;
        if (*p == '\n' || *p == '\r') {
            p++;
            continue;
        }
        for (unsigned c = 0; c < columns; c++) {
            char *next;
            const long long v = std::strtoll(p, &next, 10);
            if (next == p)
                fail(std::string(path) + ":" + std::to_string(line) + ": expected " + std::to_string(columns) +
                     " integers");
            values.push_back(v);
            p = next;
            if (c + 1 < columns) {
                if (*p != ',')
                    fail(std::string(path) + ":" + std::to_string(line) + ": expected " +
                         std::to_string(columns) + " columns");
                p++;
            }
        }
        while (p < end && *p == '\r')
            p++;
        if (p < end && *p != '\n')
            fail(std::string(path) + ":" + std::to_string(line) + ": more than " + std::to_string(columns) +
                 " columns");
        p++;
        rows++;
    }
    return values;
}

void put_field(uint32_t *words, unsigned lsb, unsigned width, uint64_t value) {
    for (unsigned b = 0; b < width; b++) {
        if ((value >> b) & 1)
            words[(lsb + b) / 32] |= 1u << ((lsb + b) % 32);
    }
}

int64_t get_field(const uint32_t *words, unsigned lsb, unsigned width, bool is_signed) {
    uint64_t v = 0;
    for (unsigned b = 0; b < width; b++)
        v |= static_cast<uint64_t>((words[(lsb + b) / 32] >> ((lsb + b) % 32)) & 1) << b;
    if (is_signed && width < 64 && ((v >> (width - 1)) & 1))
        v |= ~0ull << width;
    return static_cast<int64_t>(v);
}

// Verilator ports are CData/SData/IData/QData up to 64 bits and VlWide<N> above.
template <typename T>
void to_port(T &port, const uint32_t *words) {
    if constexpr (std::is_integral_v<T>) {
        uint64_t v = words[0];
        if constexpr (sizeof(T) > 4)
            v |= static_cast<uint64_t>(words[1]) << 32;
        port = static_cast<T>(v);
    } else {
        for (unsigned w = 0; w < kInWords; w++)
            port[w] = words[w];
    }
}

template <typename T>
void from_port(const T &port, uint32_t *words) {
    if constexpr (std::is_integral_v<T>) {
        const uint64_t v = port;
        words[0] = static_cast<uint32_t>(v);
        if constexpr (sizeof(T) > 4)
            words[1] = static_cast<uint32_t>(v >> 32);
    } else {
        for (unsigned w = 0; w < kOutWords; w++)
            words[w] = port[w];
    }
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 4)
        fail("usage: nicsched_bulk VECTORS.csv EXPECTED.csv MISMATCHES.csv");
    size_t n = 0, n_expected = 0;
    const std::vector<int64_t> vectors = read_csv(argv[1], kInputs, n);
    const std::vector<int64_t> expected = read_csv(argv[2], 1 + kOutputs, n_expected);
    if (n != n_expected)
        fail(std::to_string(n) + " vectors but " + std::to_string(n_expected) + " expected results");
    if (n == 0)
        fail("no vectors");
    if (n >= (1ull << 32))
        fail("more than 2^32 - 1 vectors");
    FILE *mismatches = std::fopen(argv[3], "w");
    if (!mismatches)
        fail(std::string("cannot write ") + argv[3]);

    // the packed input of every vector
    std::vector<uint32_t> packed(n * kInWords, 0);
    for (size_t i = 0; i < n; i++) {
        for (unsigned k = 0; k < kInputs; k++)
            put_field(&packed[i * kInWords], k * kInBits, kInBits, static_cast<uint64_t>(vectors[i * kInputs + k]));
    }

    auto ctx = std::make_unique<VerilatedContext>();
    auto top = std::make_unique<Vnicsched_bulk_top>(ctx.get(), "nicsched_bulk_top");
    auto edge = [&]() {
        top->clk = 1;
        top->eval();
        top->clk = 0;
        top->eval();
    };
    top->clk = 0;
    top->rst = 1;
    top->in_valid = 0;
    top->eval();
    for (unsigned c = 0; c < kResetCycles; c++)
        edge();
    top->rst = 0;
    top->eval();

    std::vector<uint8_t> seen(n, 0);
    size_t next = 0, received = 0, bad = 0;
    uint64_t cycle = 0, first_accept = 0, last_accept = 0, first_output = 0;
    const uint64_t limit = 1000 + 64ull * n;  // far beyond any II and latency: a stuck stream
    uint32_t out_words[kOutWords + 1] = {0};
    const auto t0 = std::chrono::steady_clock::now();
    while (received < n) {
        if (cycle > limit)
            fail("stream stuck: " + std::to_string(received) + " of " + std::to_string(n) + " outputs after " +
                 std::to_string(cycle) + " cycles");
        const bool offer = next < n;
        top->in_valid = offer;
        if (offer) {
            to_port(top->in_features, &packed[next * kInWords]);
            top->in_meta = static_cast<uint32_t>(next);
        }
        top->eval();
        const bool accept = offer && top->in_ready;
        top->clk = 1;
        top->eval();
        cycle++;
        if (accept) {
            if (next == 0)
                first_accept = cycle;
            last_accept = cycle;
            next++;
        }
        if (top->out_valid) {
            const uint32_t index = top->out_meta;
            if (index >= n || seen[index])
                fail("output " + std::to_string(received) + " carries index " + std::to_string(index) +
                     (index >= n ? " (no such vector)" : " (already seen)"));
            seen[index] = 1;
            if (received == 0)
                first_output = cycle;
            received++;
            from_port(top->out_scores, out_words);
            const int64_t *want = &expected[static_cast<size_t>(index) * (1 + kOutputs)];
            const int64_t action = top->out_action;
            bool ok = !kArgmax || want[0] < 0 || action == want[0];
            int64_t scores[kOutputs];
            for (unsigned k = 0; k < kOutputs; k++) {
                scores[k] = get_field(out_words, k * kOutBits, kOutBits, kOutSigned);
                ok = ok && scores[k] == want[1 + k];
            }
            if (!ok) {
                bad++;
                std::fprintf(mismatches, "%u,%lld", index, static_cast<long long>(kArgmax ? action : -1));
                for (unsigned k = 0; k < kOutputs; k++)
                    std::fprintf(mismatches, ",%lld", static_cast<long long>(scores[k]));
                std::fputc('\n', mismatches);
            }
        }
        top->clk = 0;
        top->eval();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    top->final();
    std::fclose(mismatches);
    std::printf("VECTORS=%zu\n", n);
    std::printf("MISMATCHES=%zu\n", bad);
    std::printf("CYCLES=%llu\n", static_cast<unsigned long long>(cycle));
    std::printf("SECONDS=%.6f\n", seconds);
    std::printf("RATE=%.0f\n", seconds > 0 ? n / seconds : 0.0);
    std::printf("II=%.6f\n", n > 1 ? static_cast<double>(last_accept - first_accept) / (n - 1) : 0.0);
    std::printf("LATENCY=%llu\n", static_cast<unsigned long long>(first_output - first_accept + 1));
    return bad == 0 ? 0 : 1;
}
