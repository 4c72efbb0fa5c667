// nicsched register map v1.0 (docs/HARDWARE.md). Kept in step with docs/HARDWARE.md by hand until
// the register model moves into the IR and `nicsched regmap --format v` generates this file.
// Included inside a module body: every name is a localparam.

// Fixed header (DESIGN.md section 4)
localparam [31:0] NICSCHED_ID_VALUE         = 32'h4E534348; // "NSCH"
localparam [31:0] NICSCHED_VERSION_VALUE    = 32'h00010000; // major 1, minor 0

// Global block
localparam [15:0] NICSCHED_REG_ID           = 16'h0000; // RO
localparam [15:0] NICSCHED_REG_VERSION      = 16'h0004; // RO
localparam [15:0] NICSCHED_REG_POLICY_HASH  = 16'h0008; // RO
localparam [15:0] NICSCHED_REG_CAPS         = 16'h000C; // RO
localparam [15:0] NICSCHED_REG_CONTROL      = 16'h0010; // RW
localparam [15:0] NICSCHED_REG_STATUS       = 16'h0014; // RO
localparam [15:0] NICSCHED_REG_ERROR        = 16'h0018; // W1C
localparam [15:0] NICSCHED_REG_TIMING       = 16'h001C; // RO
localparam [15:0] NICSCHED_REG_INFERENCES   = 16'h0020; // RO
localparam [15:0] NICSCHED_REG_LAT_LAST     = 16'h0024; // RO
localparam [15:0] NICSCHED_REG_LAT_MAX      = 16'h0028; // RO
localparam [15:0] NICSCHED_REG_ERRORS       = 16'h002C; // RO
localparam [15:0] NICSCHED_REG_FORMAT       = 16'h0030; // RO

// CAPS fields
localparam NICSCHED_CAPS_INPUTS_SHIFT       = 0;
localparam NICSCHED_CAPS_OUTPUTS_SHIFT      = 8;
localparam NICSCHED_CAPS_SLOTS_SHIFT        = 16;
localparam NICSCHED_CAPS_FLAGS_SHIFT        = 24;
localparam NICSCHED_CAPS_FLAG_HEAD_SCORES   = 0; // bit within FLAGS: head is `scores`

// CONTROL fields
localparam NICSCHED_CONTROL_ENABLE_BIT      = 0;
localparam NICSCHED_CONTROL_SOFT_RESET_BIT  = 1; // write 1: pulse, reads 0

// STATUS fields
localparam NICSCHED_STATUS_ENABLED_BIT      = 0;
localparam NICSCHED_STATUS_BUSY_BIT         = 1;

// ERROR fields (W1C)
localparam NICSCHED_ERROR_DOORBELL_DISABLED_BIT = 0;
localparam NICSCHED_ERROR_DOORBELL_BUSY_BIT     = 1;
localparam NICSCHED_ERROR_FEATURE_BUSY_BIT      = 2;
localparam NICSCHED_ERROR_BAD_ADDRESS_BIT       = 3;
localparam NICSCHED_ERROR_BITS                  = 4;

// TIMING fields
localparam NICSCHED_TIMING_LATENCY_SHIFT    = 0;  // [15:0]
localparam NICSCHED_TIMING_II_SHIFT         = 16; // [31:16]

// FORMAT fields
localparam NICSCHED_FORMAT_IN_BITS_SHIFT    = 0;  // [7:0]
localparam NICSCHED_FORMAT_IN_SIGNED_BIT    = 8;
localparam NICSCHED_FORMAT_OUT_BITS_SHIFT   = 16; // [23:16]
localparam NICSCHED_FORMAT_OUT_SIGNED_BIT   = 24;

// Request slots: slot n occupies [SLOT_BASE + n*SLOT_STRIDE, +SLOT_STRIDE)
localparam [15:0] NICSCHED_SLOT_BASE        = 16'h1000;
localparam [15:0] NICSCHED_SLOT_STRIDE      = 16'h0200;
localparam [15:0] NICSCHED_SLOT_DOORBELL    = 16'h0000; // WO, reads 0: [15:0] tag
localparam [15:0] NICSCHED_SLOT_RESULT      = 16'h0004; // RO
localparam [15:0] NICSCHED_SLOT_SCORE0      = 16'h0080; // RO, SCORE[k] at +4k, k < outputs
localparam [15:0] NICSCHED_SLOT_FEATURE0    = 16'h0100; // RW, FEATURE[i] at +4i, i < inputs

// RESULT fields
localparam NICSCHED_RESULT_ACTION_SHIFT     = 0;  // [7:0]
localparam NICSCHED_RESULT_TAG_SHIFT        = 8;  // [23:8]
localparam NICSCHED_RESULT_BUSY_BIT         = 30;
localparam NICSCHED_RESULT_VALID_BIT        = 31;

localparam NICSCHED_TAG_BITS                = 16;
localparam NICSCHED_MAX_SLOTS               = 64;
localparam NICSCHED_MAX_INPUTS              = 64;
localparam NICSCHED_MAX_OUTPUTS             = 32;
