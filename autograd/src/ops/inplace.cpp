// In-place variants. Every one bumps the storage's version counter, so a saved tensor changed
// afterwards is caught in backward. Without autograd they run the kernel straight into self;
// with autograd the op is recorded out of place on a clone and self takes over its grad_fn.
#include <cmath>

#include "ops/elementwise_common.h"

namespace tg {

namespace {

// The shared in-place mechanism. kernel(self) writes into self's storage; out_of_place(src)
// computes the same result with autograd when it must be recorded.
template <typename Kernel, typename OutOfPlace>
Tensor& inplace(Tensor& self, const char* op, bool record_grad, Kernel kernel, OutOfPlace out_of_place) {
  TG_CHECK(self.defined(), "{}: called on an undefined tensor", op);
  if (!record_grad) {
    kernel(self);
    ++self.impl()->storage->version;
    return self;
  }
  TG_CHECK(!(self.is_leaf() && self.requires_grad()),
           "{}: a leaf tensor that requires grad (shape {}) cannot be changed in place; do it under tg::NoGradGuard",
           op, self.shape());
  TG_CHECK(!self.impl()->is_view,
           "{}: changing a view (shape {}) in place while recording gradients is not supported; clone() it first", op,
           self.shape());
  Tensor result = out_of_place(self.clone());
  TG_CHECK(result.shape() == self.shape(), "{}: the result has shape {} but self has shape {}", op, result.shape(),
           self.shape());
  {
    NoGradGuard no_grad;
    Tensor data = result.detach();
    kernel_copy(self, data);
  }
  ++self.impl()->storage->version;
  AutogradMeta& meta = self.ensure_autograd_meta();
  meta.grad_fn = result.grad_fn();
  meta.output_nr = result.output_nr();
  return self;
}

// In place, the result keeps self's dtype. As PyTorch's can_cast: a float result does not go into an
// integer tensor, nor a numeric one into a bool tensor (that would silently truncate).
void check_castable(const Tensor& self, const Tensor& other, const char* op) {
  auto kind = [](DType d) { return d == kBool ? 0 : is_floating(d) ? 2 : 1; };
  const DType result = promote(self.dtype(), other.dtype());
  TG_CHECK(kind(result) <= kind(self.dtype()), "{}: the result type {} cannot be stored in place into a {} tensor (shape {})",
           op, result, self.dtype(), self.shape());
}

template <typename F> void binary_into(Tensor& self, const Tensor& other, const char* op, F f) {
  const Shape shape = broadcast_shapes(self.shape(), other.shape(), op);
  TG_CHECK(shape == self.shape(), "{}: cannot write a result of shape {} into self of shape {}", op, shape,
           self.shape());
  Tensor o = other.dtype() == self.dtype() ? other : other.detach().to(self.dtype());
  auto loop = ops::make_loop<3>(shape, {&self, &self, &o}, op);
  dispatch(self.dtype(), op, [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      TG_FAIL("{}: not defined for bool tensors", op);
    } else {
      kernels::binary(loop, self.data_ptr<T>(), self.data_ptr<T>(), o.data_ptr<T>(), kernels::kGrainSize,
                      [&](T x, T y) { return static_cast<T>(f(x, y)); });
    }
  });
}

}  // namespace

void kernel_copy(Tensor& dst, const Tensor& src) {
  TG_CHECK(is_expandable_to(src.shape(), dst.shape()), "copy_: cannot copy a tensor of shape {} into shape {}",
           src.shape(), dst.shape());
  auto loop = ops::make_loop<2>(dst.shape(), {&dst, &src}, "copy_");
  dispatch(dst.dtype(), "copy_", [&]<typename O>() {
    dispatch(src.dtype(), "copy_", [&]<typename I>() {
      kernels::unary(loop, dst.data_ptr<O>(), src.data_ptr<I>(), kernels::kGrainSize,
                     [](I v) { return static_cast<O>(v); });
    });
  });
}

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  check_castable(*this, other, "add_");
  TG_CHECK(is_floating_point() || std::floor(alpha) == alpha, "add_: alpha {} cannot scale a {} tensor in place",
           alpha, dtype());
  return inplace(
      *this, "add_", autograd::needs_grad({*this, other}),
      [&](Tensor& self) { binary_into(self, other, "add_", [alpha](auto x, auto y) { return x + alpha * y; }); },
      [&](const Tensor& src) { return tg::add(src, other, alpha); });
}
Tensor& Tensor::add_(double other) { return add_(scalar_like(*this, other)); }

Tensor& Tensor::sub_(const Tensor& other, double alpha) { return add_(other, -alpha); }
Tensor& Tensor::sub_(double other) { return add_(scalar_like(*this, -other)); }

Tensor& Tensor::mul_(const Tensor& other) {
  check_castable(*this, other, "mul_");
  return inplace(
      *this, "mul_", autograd::needs_grad({*this, other}),
      [&](Tensor& self) { binary_into(self, other, "mul_", [](auto x, auto y) { return x * y; }); },
      [&](const Tensor& src) { return tg::mul(src, other); });
}
Tensor& Tensor::mul_(double other) { return mul_(scalar_like(*this, other)); }

Tensor& Tensor::div_(const Tensor& other) {
  TG_CHECK(is_floating_point(), "div_: true division cannot be stored in place into a {} tensor", dtype());
  return inplace(
      *this, "div_", autograd::needs_grad({*this, other}),
      [&](Tensor& self) { binary_into(self, other, "div_", [](auto x, auto y) { return x / y; }); },
      [&](const Tensor& src) { return tg::div(src, other); });
}
Tensor& Tensor::div_(double other) { return div_(scalar_like(*this, other)); }

Tensor& Tensor::clamp_(std::optional<double> min, std::optional<double> max) {
  return inplace(
      *this, "clamp_", autograd::needs_grad({*this}),
      [&](Tensor& self) {
        Tensor r = tg::clamp(self.detach(), min, max);
        kernel_copy(self, r);
      },
      [&](const Tensor& src) { return tg::clamp(src, min, max); });
}

Tensor& Tensor::zero_() { return fill_(0.0); }

Tensor& Tensor::fill_(double value) {
  return inplace(
      *this, "fill_", autograd::needs_grad({*this}),
      [&](Tensor& self) { kernel_copy(self, scalar_tensor(value, self.dtype())); },
      [&](const Tensor& src) { return full(src.shape(), value, src.dtype()); });
}

Tensor& Tensor::copy_(const Tensor& src) {
  TG_CHECK(src.defined(), "copy_: the source is undefined");
  TG_CHECK(defined(), "copy_: called on an undefined tensor");
  TG_CHECK(is_expandable_to(src.shape(), shape()), "copy_: cannot copy a tensor of shape {} into shape {}", src.shape(),
           shape());
  return inplace(
      *this, "copy_", autograd::needs_grad({*this, src}), [&](Tensor& self) { kernel_copy(self, src); },
      [&](const Tensor& old) { return src.to(old.dtype()).expand(old.shape()).contiguous(); });
}

}  // namespace tg
