// SPDX-License-Identifier: MIT
// nicsched HLS library: C simulation testbench helpers (not synthesized).
//
// The generated testbench (nicsched_tb.cpp) reads integer vectors and the golden model's answers
// from CSV (a header row, then one row of integers per line: golden/vectors.csv and
// golden/expected.csv from `nicsched compile`), runs the top function on every vector, writes what
// it computed to a results CSV and compares bit for bit. Exit status: 0 all equal, 1 a mismatch,
// 2 bad input.

#ifndef NICSCHED_TESTBENCH_H
#define NICSCHED_TESTBENCH_H

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "nicsched_types.h"

namespace nicsched {
namespace tb {

typedef std::vector<long long> row_t;

struct table {
    std::string path;
    std::vector<std::string> header;
    std::vector<row_t> rows;
    std::vector<unsigned> lines;  // 1-based line of each row, for messages
};

inline void fail_at(const std::string &path, unsigned line, const std::string &message) {
    std::fprintf(stderr, "%s:%u: %s\n", path.c_str(), line, message.c_str());
}

inline std::vector<std::string> split_cells(const std::string &line) {
    std::vector<std::string> cells;
    std::stringstream stream(line);
    std::string cell;
    while (std::getline(stream, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line[line.size() - 1] == ',') cells.push_back("");
    return cells;
}

inline bool parse_integer(const std::string &cell, long long &value) {
    const char *begin = cell.c_str();
    char *end = 0;
    errno = 0;
    value = std::strtoll(begin, &end, 10);
    if (end == begin || errno != 0) return false;
    while (*end == ' ' || *end == '\r' || *end == '\t') end++;
    return *end == '\0';
}

// Read a CSV of integers with exactly `columns` columns. Blank lines are skipped.
inline bool load(const char *path, unsigned columns, table &out) {
    std::ifstream file(path);
    out.path = path;
    if (!file) {
        fail_at(out.path, 0, "cannot open");
        return false;
    }
    std::string line;
    unsigned number = 0;
    while (std::getline(file, line)) {
        number++;
        if (!line.empty() && line[line.size() - 1] == '\r') line.erase(line.size() - 1);
        if (line.empty()) continue;
        const std::vector<std::string> cells = split_cells(line);
        if (cells.size() != columns) {
            std::ostringstream message;
            message << cells.size() << " columns, expected " << columns;
            fail_at(out.path, number, message.str());
            return false;
        }
        if (out.header.empty()) {
            out.header = cells;
            continue;
        }
        row_t row(columns);
        for (unsigned c = 0; c < columns; c++) {
            if (!parse_integer(cells[c], row[c])) {
                fail_at(out.path, number, "\"" + cells[c] + "\" is not an integer");
                return false;
            }
        }
        out.rows.push_back(row);
        out.lines.push_back(number);
    }
    return true;
}

// Row r of a table as N values of an ap_fixed type; false (with a message) if one does not fit.
template <class fixed_T, unsigned N>
bool to_fixed(const table &from, unsigned r, fixed_T (&values)[N]) {
    for (unsigned i = 0; i < N; i++) {
        const long long q = from.rows[r][i];
        if (!raw_fits<fixed_T>(q)) {
            std::ostringstream message;
            message << from.header[i] << " = " << q << " is outside the input format [" << raw_range<fixed_T>::min() << ", "
                    << raw_range<fixed_T>::max() << "]";
            fail_at(from.path, from.lines[r], message.str());
            return false;
        }
        values[i] = from_raw<fixed_T>(q);
    }
    return true;
}

inline std::string join(const row_t &row) {
    std::ostringstream text;
    for (unsigned k = 0; k < row.size(); k++) text << (k ? "," : "") << row[k];
    return text.str();
}

// Counts equal and different rows and remembers the first difference.
class comparison {
  public:
    comparison() : passed_(0), failed_(0) {}

    void check(unsigned index, const row_t &input, const row_t &expected, const row_t &got) {
        if (got == expected) {
            passed_++;
            return;
        }
        if (failed_ == 0) {
            std::printf("MISMATCH vector %u: input [%s]\n", index, join(input).c_str());
            std::printf("  expected action,scores %s\n", join(expected).c_str());
            std::printf("  got      action,scores %s\n", join(got).c_str());
        }
        failed_++;
    }

    // Prints the summary line `nicsched csim` parses; returns the exit status.
    int report() const {
        std::printf("csim: %u vectors, %u passed, %u failed\n", passed_ + failed_, passed_, failed_);
        return failed_ == 0 ? 0 : 1;
    }

  private:
    unsigned passed_;
    unsigned failed_;
};

} // namespace tb
} // namespace nicsched

#endif
