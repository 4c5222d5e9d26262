// max_pool2d, avg_pool2d, adaptive_avg_pool2d on (N, C, H, W) or unbatched (C, H, W) inputs.
// Each backward is a recorded primitive whose own backward closes the loop (scatter <-> gather by
// the argmax indices; an average pool <-> its adjoint), so every order of gradient works.
#include <tapegrad/autograd/node.h>
#include <tapegrad/autograd/ops.h>

#include "kernels/pool.h"

namespace tg {

using autograd::Needs;
using autograd::needs_grad;
using autograd::record;

namespace {

void check_pool_input(std::string_view op, const Tensor& x) {
  TG_CHECK(x.defined(), "{}: called with an undefined tensor", op);
  TG_CHECK(x.dim() == 3 || x.dim() == 4, "{}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {}", op,
           x.shape());
  TG_CHECK(is_floating(x.dtype()), "{}: expected a float32 or float64 input, got {} (shape {})", op, x.dtype(),
           x.shape());
  TG_CHECK(x.size(-2) > 0 && x.size(-1) > 0, "{}: expected a non-empty H x W plane, got shape {}", op, x.shape());
}

// The input's shape with its last two dims replaced by (OH, OW).
Shape pooled_shape(const Shape& in, int64_t OH, int64_t OW) {
  Shape out = in;
  out[out.size() - 2] = OH;
  out[out.size() - 1] = OW;
  return out;
}

// floor((in + 2p - d(k-1) - 1 [+ s-1 when ceil_mode]) / s) + 1, as PyTorch: in ceil mode the last
// window must start inside the input or its left padding.
int64_t pooled_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  const int64_t num = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;
  if (ceil_mode && out > 0 && (out - 1) * s >= in + p) --out;
  return out;
}

void check_pool_args(std::string_view op, const Tensor& x, Int2 k, Int2 s, Int2 p, Int2 d) {
  TG_CHECK(k.h > 0 && k.w > 0 && s.h > 0 && s.w > 0 && d.h > 0 && d.w > 0,
           "{}: kernel_size {}, stride {} and dilation {} must be positive (input shape {})", op, k, s, d, x.shape());
  TG_CHECK(p.h >= 0 && p.w >= 0 && p.h <= k.h / 2 && p.w <= k.w / 2,
           "{}: padding {} must be non-negative and at most half of kernel_size {} (input shape {})", op, p, k,
           x.shape());
}

void check_output(std::string_view op, const Tensor& x, int64_t OH, int64_t OW, Int2 k, Int2 s, Int2 p, Int2 d) {
  TG_CHECK(OH > 0 && OW > 0,
           "{}: input shape {} is too small for kernel_size {}, stride {}, padding {} and dilation {} (output would "
           "be {} x {})",
           op, x.shape(), k, s, p, d, OH, OW);
}

// True when every window along one axis holds at least one input element (dilated windows can
// otherwise straddle the input entirely within the padding).
bool windows_hit_input(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, int64_t d) {
  for (int64_t o = 0; o < out; ++o) {
    int64_t lo, hi;
    kernels::valid_taps(o, s, p, d, k, in, lo, hi);
    if (lo >= hi) return false;
  }
  return true;
}

}  // namespace

// ---- max pooling ------------------------------------------------------------------------------

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Int2 kernel_size, Int2 stride, Int2 padding,
                                                   Int2 dilation, bool ceil_mode) {
  check_pool_input("max_pool2d", input);
  const Int2 s = stride.set ? stride : kernel_size;
  check_pool_args("max_pool2d", input, kernel_size, s, padding, dilation);
  const int64_t H = input.size(-2), W = input.size(-1);
  const int64_t OH = pooled_size(H, kernel_size.h, s.h, padding.h, dilation.h, ceil_mode);
  const int64_t OW = pooled_size(W, kernel_size.w, s.w, padding.w, dilation.w, ceil_mode);
  check_output("max_pool2d", input, OH, OW, kernel_size, s, padding, dilation);
  TG_CHECK(windows_hit_input(H, OH, kernel_size.h, s.h, padding.h, dilation.h) &&
               windows_hit_input(W, OW, kernel_size.w, s.w, padding.w, dilation.w),
           "max_pool2d: with kernel_size {}, stride {}, padding {} and dilation {}, a window of input shape {} lies "
           "entirely in the padding",
           kernel_size, s, padding, dilation, input.shape());
  const kernels::PoolGeometry g{H,   W,   kernel_size.h, kernel_size.w, s.h, s.w, padding.h, padding.w,
                                dilation.h, dilation.w, OH, OW};
  const int64_t NC = input.numel() / (H * W);
  Tensor x = input.detach().contiguous();
  Tensor out = empty(pooled_shape(input.shape(), OH, OW), input.dtype());
  Tensor indices = empty(out.shape(), kLong);
  dispatch_floating(input.dtype(), "max_pool2d", [&]<typename T>() {
    kernels::max_pool2d(x.data_ptr<T>(), out.data_ptr<T>(), indices.data_ptr<int64_t>(), NC, g);
  });
  if (needs_grad({input})) {
    record("MaxPool2dBackward", {input}, {out}, {indices},
           [in = input.shape()](const Tensor& gr, const tensor_list& saved, Needs) -> tensor_list {
             return {max_pool2d_backward(gr, saved[0], in)};
           });
  }
  return {out, indices};
}

Tensor max_pool2d(const Tensor& input, Int2 kernel_size, Int2 stride, Int2 padding, Int2 dilation, bool ceil_mode) {
  return std::get<0>(max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor max_pool2d_backward(const Tensor& grad, const Tensor& indices, const Shape& input_shape) {
  TG_CHECK(grad.defined() && indices.defined(), "max_pool2d_backward: called with an undefined tensor");
  TG_CHECK(is_floating(grad.dtype()) && indices.dtype() == kLong,
           "max_pool2d_backward: expected a floating grad and int64 indices, got {} and {}", grad.dtype(),
           indices.dtype());
  TG_CHECK((grad.dim() == 3 || grad.dim() == 4) && indices.shape() == grad.shape() &&
               static_cast<int64_t>(input_shape.size()) == grad.dim() &&
               std::equal(input_shape.begin(), input_shape.end() - 2, grad.shape().begin()),
           "max_pool2d_backward: grad shape {} and indices shape {} do not match input shape {}", grad.shape(),
           indices.shape(), input_shape);
  const int64_t HW = input_shape[input_shape.size() - 2] * input_shape.back();
  const int64_t L = grad.size(-2) * grad.size(-1);
  const int64_t NC = grad.numel() / std::max<int64_t>(L, 1);
  Tensor gc = grad.detach().contiguous();
  Tensor ic = indices.detach().contiguous();
  Tensor out = empty(input_shape, grad.dtype());
  dispatch_floating(grad.dtype(), "max_pool2d_backward", [&]<typename T>() {
    const bool ok = kernels::max_pool2d_backward(gc.data_ptr<T>(), ic.data_ptr<int64_t>(), out.data_ptr<T>(), NC, HW, L);
    TG_CHECK(ok, "max_pool2d_backward: indices out of range [0, {}) for input shape {}", HW, input_shape);
  });
  if (needs_grad({grad})) {
    // Backward of a scatter by indices: gather by the same indices.
    record("MaxPool2dBackwardBackward", {grad}, {out}, {indices},
           [NC, HW, L, gshape = grad.shape()](const Tensor& gg, const tensor_list& saved, Needs) -> tensor_list {
             return {gather(gg.reshape({NC, HW}), 1, saved[0].reshape({NC, L})).view(gshape)};
           });
  }
  return out;
}

// ---- average pooling ----------------------------------------------------------------------------

namespace {

// The windows of an average pool (avg_pool2d or adaptive_avg_pool2d) along both axes.
struct WindowPool {
  kernels::AxisWindows y, x;
  bool adaptive = false;
  const char* name() const { return adaptive ? "AdaptiveAvgPool2dBackward" : "AvgPool2dBackward"; }
  const char* backward_name() const {
    return adaptive ? "AdaptiveAvgPool2dBackwardBackward" : "AvgPool2dBackwardBackward";
  }
};

Tensor window_pool_backward(const Tensor& grad, const Shape& input_shape, const WindowPool& pool);

// out = mean over the windows of each plane; backward is window_pool_backward.
Tensor window_pool(const Tensor& input, const WindowPool& pool) {
  const int64_t H = input.size(-2), W = input.size(-1);
  const int64_t NC = input.numel() / (H * W);
  const auto OH = static_cast<int64_t>(pool.y.start.size()), OW = static_cast<int64_t>(pool.x.start.size());
  Tensor x = input.detach().contiguous();
  Tensor out = empty(pooled_shape(input.shape(), OH, OW), input.dtype());
  dispatch_floating(input.dtype(), pool.name(), [&]<typename T>() {
    kernels::avg_pool2d(x.data_ptr<T>(), out.data_ptr<T>(), NC, H, W, pool.y, pool.x);
  });
  if (needs_grad({input})) {
    record(pool.name(), {input}, {out}, {},
           [in = input.shape(), pool](const Tensor& g, const tensor_list&, Needs) -> tensor_list {
             return {window_pool_backward(g, in, pool)};
           });
  }
  return out;
}

// The adjoint of window_pool: each gradient spread evenly (divided by its count) over its window.
// The pool is linear, so the backward of this is window_pool again.
Tensor window_pool_backward(const Tensor& grad, const Shape& input_shape, const WindowPool& pool) {
  const int64_t H = input_shape[input_shape.size() - 2], W = input_shape.back();
  const int64_t NC = shape_numel(input_shape) / (H * W);
  Tensor g = grad.detach().contiguous();
  Tensor out = empty(input_shape, grad.dtype());
  dispatch_floating(grad.dtype(), pool.backward_name(), [&]<typename T>() {
    kernels::avg_pool2d_backward(g.data_ptr<T>(), out.data_ptr<T>(), NC, H, W, pool.y, pool.x);
  });
  if (needs_grad({grad})) {
    record(pool.backward_name(), {grad}, {out}, {}, [pool](const Tensor& gg, const tensor_list&, Needs) -> tensor_list {
      return {window_pool(gg, pool)};
    });
  }
  return out;
}

// PyTorch's avg_pool2d windows along one axis: [o*s - p, o*s - p + k) clipped to the padded input
// for the count (when count_include_pad), then to the input for the sum.
kernels::AxisWindows avg_windows(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, bool count_include_pad) {
  kernels::AxisWindows w;
  for (int64_t o = 0; o < out; ++o) {
    const int64_t start = o * s - p;
    const int64_t end = std::min(start + k, in + p);
    const int64_t lo = std::max<int64_t>(start, 0), hi = std::min(end, in);
    w.start.push_back(lo);
    w.end.push_back(hi);
    w.count.push_back(count_include_pad ? end - start : hi - lo);
  }
  return w;
}

// Adaptive windows: [floor(o*in/out), ceil((o+1)*in/out)).
kernels::AxisWindows adaptive_windows(int64_t in, int64_t out) {
  kernels::AxisWindows w;
  for (int64_t o = 0; o < out; ++o) {
    const int64_t lo = o * in / out, hi = ((o + 1) * in + out - 1) / out;
    w.start.push_back(lo);
    w.end.push_back(hi);
    w.count.push_back(hi - lo);
  }
  return w;
}

}  // namespace

Tensor avg_pool2d(const Tensor& input, Int2 kernel_size, Int2 stride, Int2 padding, bool ceil_mode,
                  bool count_include_pad) {
  check_pool_input("avg_pool2d", input);
  const Int2 s = stride.set ? stride : kernel_size;
  check_pool_args("avg_pool2d", input, kernel_size, s, padding, 1);
  const int64_t H = input.size(-2), W = input.size(-1);
  const int64_t OH = pooled_size(H, kernel_size.h, s.h, padding.h, 1, ceil_mode);
  const int64_t OW = pooled_size(W, kernel_size.w, s.w, padding.w, 1, ceil_mode);
  check_output("avg_pool2d", input, OH, OW, kernel_size, s, padding, 1);
  return window_pool(input, {avg_windows(H, OH, kernel_size.h, s.h, padding.h, count_include_pad),
                             avg_windows(W, OW, kernel_size.w, s.w, padding.w, count_include_pad), false});
}

Tensor adaptive_avg_pool2d(const Tensor& input, Int2 output_size) {
  check_pool_input("adaptive_avg_pool2d", input);
  TG_CHECK(output_size.h > 0 && output_size.w > 0,
           "adaptive_avg_pool2d: output_size {} must be positive (input shape {})", output_size, input.shape());
  return window_pool(input, {adaptive_windows(input.size(-2), output_size.h),
                             adaptive_windows(input.size(-1), output_size.w), true});
}

}  // namespace tg
