// Full-Jacobian gradient checks: analytic rows from one backward per output element, numeric
// columns from central differences per input element.
#include <tapegrad/autograd/engine.h>
#include <tapegrad/autograd/gradcheck.h>
#include <tapegrad/autograd/grad_mode.h>
#include <tapegrad/autograd/ops.h>

#include <cmath>

namespace tg::autograd {

namespace {

// Logical index -> element of a (possibly non-contiguous) float64 tensor.
double& element(const Tensor& t, int64_t flat) {
  int64_t offset = 0;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    const int64_t size = t.shape()[d];
    offset += (flat % size) * t.strides()[d];
    flat /= size;
  }
  return t.data_ptr<double>()[offset];
}

Shape unravel(const Shape& shape, int64_t flat) {
  Shape idx(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    idx[d] = flat % shape[d];
    flat /= shape[d];
  }
  return idx;
}

// All outputs' values, flattened, as doubles.
std::vector<double> flat_values(const tensor_list& outs) {
  std::vector<double> v;
  for (const Tensor& o : outs) {
    if (!o.defined()) continue;
    Tensor c = o.detach().to(kDouble).contiguous();
    const double* p = c.data_ptr<double>();
    v.insert(v.end(), p, p + c.numel());
  }
  return v;
}

}  // namespace

GradcheckResult gradcheck(const DifferentiableFn& fn, const tensor_list& inputs, GradcheckOptions opt) {
  std::vector<size_t> diff;  // inputs that require grad
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) continue;
    TG_CHECK(inputs[i].dtype() == kDouble, "gradcheck: input {} is {}; use float64 inputs", i, inputs[i].dtype());
    diff.push_back(i);
  }
  TG_CHECK(!diff.empty(), "gradcheck: no input requires grad");
  tensor_list diff_inputs;
  for (size_t i : diff) diff_inputs.push_back(inputs[i]);

  // Analytic Jacobian: analytic[i][k * n_i + j] = d out_k / d in_i[j].
  tensor_list outs = fn(inputs);
  std::vector<int64_t> out_offsets;
  int64_t total_out = 0;
  for (const Tensor& o : outs) {
    out_offsets.push_back(total_out);
    total_out += o.defined() ? o.numel() : 0;
  }
  std::vector<std::vector<double>> analytic(diff.size());
  for (size_t d = 0; d < diff.size(); ++d) analytic[d].assign(static_cast<size_t>(total_out * inputs[diff[d]].numel()), 0.0);
  for (size_t o = 0; o < outs.size(); ++o) {
    const Tensor& out = outs[o];
    if (!out.defined() || !out.requires_grad()) continue;
    for (int64_t k = 0; k < out.numel(); ++k) {
      Tensor onehot = zeros(out.shape(), out.dtype());
      onehot.view({-1}).select(0, k).fill_(1.0);
      tensor_list grads = grad({out}, diff_inputs, {onehot}, /*retain_graph=*/true, false, /*allow_unused=*/true);
      for (size_t d = 0; d < diff.size(); ++d) {
        if (!grads[d].defined()) continue;
        const int64_t n = inputs[diff[d]].numel();
        Tensor g = grads[d].detach().to(kDouble).contiguous();
        const double* p = g.data_ptr<double>();
        std::copy(p, p + n, analytic[d].begin() + (out_offsets[o] + k) * n);
      }
    }
  }

  // Numeric Jacobian, column by column, compared as we go.
  GradcheckResult result;
  double worst = 0.0;
  for (size_t d = 0; d < diff.size(); ++d) {
    const Tensor& x = inputs[diff[d]];
    const int64_t n = x.numel();
    for (int64_t j = 0; j < n; ++j) {
      double& v = element(x, j);
      const double orig = v;
      v = orig + opt.eps;
      std::vector<double> plus = flat_values(fn(inputs));
      v = orig - opt.eps;
      std::vector<double> minus = flat_values(fn(inputs));
      v = orig;
      TG_CHECK(static_cast<int64_t>(plus.size()) == total_out, "gradcheck: the function's output size changed");
      for (int64_t k = 0; k < total_out; ++k) {
        const double numeric = (plus[k] - minus[k]) / (2 * opt.eps);
        const double a = analytic[d][k * n + j];
        const double err = std::abs(a - numeric);
        const double ratio = err / (opt.atol + opt.rtol * std::abs(numeric));
        result.max_abs_error = std::max(result.max_abs_error, err);
        if (ratio > 1.0 && ratio > worst) {
          worst = ratio;
          result.ok = false;
          result.message = fmt::format(
              "gradcheck: input {} (shape {}) element {}: analytic {:.10g}, numeric {:.10g} (output element {}, "
              "|error| {:.3g} > atol {} + rtol {} * |numeric|)",
              diff[d], x.shape(), unravel(x.shape(), j), a, numeric, k, err, opt.atol, opt.rtol);
        }
      }
    }
  }
  return result;
}

GradcheckResult gradgradcheck(const DifferentiableFn& fn, const tensor_list& inputs, GradcheckOptions opt) {
  tensor_list outs = fn(inputs);
  // Random directions v for each output, themselves differentiated.
  tensor_list vs;
  for (const Tensor& o : outs) vs.push_back(randn(o.shape(), kDouble).requires_grad_(true));
  const size_t n_in = inputs.size();
  auto first_order = [&fn, n_in](const tensor_list& all) {
    tensor_list xs(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n_in));
    tensor_list v(all.begin() + static_cast<std::ptrdiff_t>(n_in), all.end());
    tensor_list ys = fn(xs);
    tensor_list diff_x;
    for (const Tensor& x : xs)
      if (x.defined() && x.requires_grad()) diff_x.push_back(x);
    tensor_list used_y, used_v;
    for (size_t i = 0; i < ys.size(); ++i)
      if (ys[i].requires_grad()) {
        used_y.push_back(ys[i]);
        used_v.push_back(v[i]);
      }
    if (used_y.empty()) return tensor_list{};
    tensor_list gs = grad(used_y, diff_x, used_v, true, /*create_graph=*/true, /*allow_unused=*/true);
    tensor_list out;
    for (const Tensor& g : gs)
      if (g.defined()) out.push_back(g);
    return out;
  };
  tensor_list all = inputs;
  all.insert(all.end(), vs.begin(), vs.end());
  return gradcheck(first_order, all, opt);
}

}  // namespace tg::autograd
