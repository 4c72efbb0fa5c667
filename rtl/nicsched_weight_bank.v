// SPDX-License-Identifier: MIT
`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nicsched weight bank
 *
 * COUNT entries of WIDTH bits in two banks (issue 4, runtime reload):
 *
 *   shadow: written one 32-bit word at a time through the write port
 *   active: drives the datapath (active[e*WIDTH +: WIDTH] is entry e)
 *
 * An entry takes WORDS = ceil(WIDTH/32) consecutive word addresses, low word
 * first: word address e*WORDS + w holds bits [w*32 +: 32] of entry e (the
 * unused high bits of the last word are ignored).  Writes to addresses at or
 * above COUNT*WORDS are ignored.
 *
 * swap copies the whole shadow bank into the active bank in one cycle; a
 * write in the same cycle lands in the shadow bank only (after the copy).
 * Reset loads RESET into both banks.  The bank is write-only: there is no
 * read port for the shadow bank.
 */
module nicsched_weight_bank #
(
    // number of entries
    parameter COUNT = 4,
    // bits per entry
    parameter WIDTH = 8,
    // word address width
    parameter ADDR_BITS = 8,
    // reset value of both banks, entry e at [e*WIDTH +: WIDTH]
    parameter [COUNT*WIDTH-1:0] RESET = 0
)
(
    input  wire                    clk,
    input  wire                    rst,

    /*
     * Shadow bank write port (one 32-bit word)
     */
    input  wire                    wr_en,
    input  wire [ADDR_BITS-1:0]    wr_addr,
    input  wire [31:0]             wr_data,

    /*
     * Swap shadow -> active
     */
    input  wire                    swap,

    /*
     * Active bank
     */
    output wire [COUNT*WIDTH-1:0]  active
);

localparam WORDS = (WIDTH + 31) / 32;

// check configuration
`ifndef SYNTHESIS // parameter checks for simulators and lint; yosys has no $error task
initial begin
    if (COUNT < 1 || WIDTH < 1) begin
        $error("Error: COUNT and WIDTH must be positive (instance %m)");
        $finish;
    end

    if ((1 << ADDR_BITS) < COUNT*WORDS) begin
        $error("Error: ADDR_BITS too small for COUNT*WORDS words (instance %m)");
        $finish;
    end
end
`endif

reg [COUNT*WIDTH-1:0] shadow_reg;
reg [COUNT*WIDTH-1:0] active_reg;

// high bits of wr_data beyond WIDTH are ignored
wire [31:0] wr_data_unused = wr_data;

assign active = active_reg;

always @(posedge clk) begin
    if (swap) begin
        active_reg <= shadow_reg;
    end

    if (rst) begin
        active_reg <= RESET;
    end
end

genvar e, w;

generate

for (e = 0; e < COUNT; e = e + 1) begin : entry
    for (w = 0; w < WORDS; w = w + 1) begin : word
        // bits of this entry held by word w
        localparam BITS = WIDTH - w*32 > 32 ? 32 : WIDTH - w*32;
        localparam [31:0] ADDR_32 = e*WORDS + w;
        localparam [ADDR_BITS-1:0] ADDR = ADDR_32[ADDR_BITS-1:0];

        always @(posedge clk) begin
            if (wr_en && wr_addr == ADDR) begin
                shadow_reg[e*WIDTH + w*32 +: BITS] <= wr_data[BITS-1:0];
            end

            if (rst) begin
                shadow_reg[e*WIDTH + w*32 +: BITS] <= RESET[e*WIDTH + w*32 +: BITS];
            end
        end
    end
end

endgenerate

endmodule

`resetall
