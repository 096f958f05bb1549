// Symbol stream layout (docs/symbols.md), shared by symbols.comp and any shader that reads the stream.
// Mirrored in src/reference/symbols.rs (GLSL_CONSTANTS); a test holds the two equal.
//
// One record per block, in block order (by * Bx + bx), of SYM_HEADER_WORDS header words followed by
// `planes` digit planes of sym_words_per_plane(block) words each. Trit i of a plane (raster index
// over the full b x b block) sits in bits 2*(i % 16) .. 2*(i % 16)+1 of word i / 16 of that plane.

const uint SYM_HEADER_WORDS = 8u;
const uint SYM_TRITS_PER_WORD = 16u;
const uint SYM_BITS_PER_TRIT = 2u;
const uint SYM_MAX_PLANES = 6u;
const uint SYM_MAX_QUANT = 255u;

// Header words.
const uint SYM_HEADER_INDEX = 0u;     // by * Bx + bx
const uint SYM_HEADER_MODE = 1u;      // SYM_MODE_*
const uint SYM_HEADER_PARAMS = 2u;    // 4 words: (dx, dy, 0, 0) as int, (a, b, tx, ty) as float bits, or 0
const uint SYM_HEADER_NONZERO = 6u;   // non-zero trits in the block, all planes
const uint SYM_HEADER_RESERVED = 7u;  // 0

// Modes.
const uint SYM_MODE_ZERO_MOTION = 0u;
const uint SYM_MODE_MOTION_VECTOR = 1u;
const uint SYM_MODE_WARP_TRANSLATION = 2u;
const uint SYM_MODE_WARP_SIMILARITY = 3u;
const uint SYM_MODE_DENSE_FLOW = 4u;

// 2-bit trit codes (the two's-complement low bits of the digit); 0b10 never occurs.
const uint SYM_TRIT_ZERO = 0u;
const uint SYM_TRIT_PLUS = 1u;
const uint SYM_TRIT_MINUS = 3u;

uint sym_words_per_plane(uint block) {
    return (block * block + SYM_TRITS_PER_WORD - 1u) / SYM_TRITS_PER_WORD;
}

uint sym_record_words(uint block, uint planes) {
    return SYM_HEADER_WORDS + planes * sym_words_per_plane(block);
}

// Offset of the word holding trit `pixel` of `plane`, from the start of its record.
uint sym_trit_word(uint block, uint plane, uint pixel) {
    return SYM_HEADER_WORDS + plane * sym_words_per_plane(block) + pixel / SYM_TRITS_PER_WORD;
}

uint sym_trit_shift(uint pixel) {
    return SYM_BITS_PER_TRIT * (pixel % SYM_TRITS_PER_WORD);
}

// The digit (-1, 0, +1) of a word at a shift.
int sym_trit(uint word, uint shift) {
    uint code = (word >> shift) & 3u;
    return code == SYM_TRIT_MINUS ? -1 : int(code);
}
