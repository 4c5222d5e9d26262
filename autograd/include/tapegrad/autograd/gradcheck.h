// Compares analytic gradients with central finite differences, in float64.
//
//   auto f = [](const tg::tensor_list& in) { return tg::tensor_list{(in[0] * in[1]).sum()}; };
//   auto r = tg::autograd::gradcheck(f, {a, b});   // a, b: float64, requires_grad
//   REQUIRE(r.ok);  // else r.message names the input, the element and both values
#pragma once

#include <tapegrad/autograd/tensor.h>

#include <functional>
#include <string>

namespace tg::autograd {

using DifferentiableFn = std::function<tensor_list(const tensor_list&)>;

struct GradcheckResult {
  bool ok = true;
  std::string message;  // the worst element when !ok: input, index, analytic, numeric
  double max_abs_error = 0.0;
};

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
};

// Checks d(outputs)/d(inputs) for every input that requires grad. Inputs must be float64.
GradcheckResult gradcheck(const DifferentiableFn& fn, const tensor_list& inputs, GradcheckOptions options = {});
// Checks the second derivative: gradcheck of (inputs, v) -> grad(fn(inputs), inputs, v, create_graph).
GradcheckResult gradgradcheck(const DifferentiableFn& fn, const tensor_list& inputs, GradcheckOptions options = {});

}  // namespace tg::autograd
