#version 450
// fb_error: the forward–backward check of the motion field, one invocation per block. For block b at
// (x0, y0), w x h, with forward vector v = (dx, dy) (frame t into t - 1), b' is the block holding
// (x0 + (w - 1) / 2 + dx, y0 + (h - 1) / 2 + dy) clamped to the frame, and the error is
// |dx + dx_back(b')| + |dy + dy_back(b')|, with the backward search from frame t - 1 into frame t.
// CPU reference: reference::motion_search::fb_errors.
layout(local_size_x = 64) in;

layout(std430, set = 0, binding = 0) readonly buffer Forward {
    ivec4 forward[];  // (dx, dy, sad, 0) per block
};
layout(std430, set = 0, binding = 1) readonly buffer Backward {
    ivec4 backward[];
};
layout(std430, set = 0, binding = 2) writeonly buffer Errors {
    uint errors[];
};

layout(push_constant) uniform Push {
    uint width;
    uint height;
    uint block;
    uint blocks_x;
    uint blocks;
} pc;

void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i >= pc.blocks) {
        return;
    }
    uint x0 = (i % pc.blocks_x) * pc.block;
    uint y0 = (i / pc.blocks_x) * pc.block;
    uint w = min(pc.block, pc.width - x0);
    uint h = min(pc.block, pc.height - y0);
    ivec4 v = forward[i];
    int px = clamp(int(x0 + (w - 1u) / 2u) + v.x, 0, int(pc.width) - 1);
    int py = clamp(int(y0 + (h - 1u) / 2u) + v.y, 0, int(pc.height) - 1);
    ivec4 back = backward[(uint(py) / pc.block) * pc.blocks_x + uint(px) / pc.block];
    errors[i] = uint(abs(v.x + back.x) + abs(v.y + back.y));
}
