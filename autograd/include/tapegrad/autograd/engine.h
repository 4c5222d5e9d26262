// Reverse-mode differentiation over the tape.
//
//   tg::autograd::backward({loss});                       // accumulates into leaves' .grad()
//   auto [gx] = tg::autograd::grad({y}, {x}, {}, {}, true);  // dy/dx, itself differentiable
#pragma once

#include <tapegrad/autograd/tensor.h>

#include <optional>

namespace tg::autograd {

// Accumulates d(sum_i <tensors_i, grad_tensors_i>)/d(leaf) into every leaf's .grad().
// grad_tensors may be empty (or hold undefined tensors) for one-element tensors.
void backward(const tensor_list& tensors, const tensor_list& grad_tensors = {}, bool retain_graph = false,
              bool create_graph = false);

// Returns the gradients of outputs w.r.t. inputs without touching any .grad().
// retain_graph defaults to create_graph. With allow_unused, an input the outputs do not depend on
// gets an undefined tensor instead of an error.
tensor_list grad(const tensor_list& outputs, const tensor_list& inputs, const tensor_list& grad_outputs = {},
                 std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                 bool allow_unused = false);

}  // namespace tg::autograd
