// The contract every library update rule checks when called on its own (the optimizers' step()
// already guarantees it): param and grad contiguous, of the same float dtype and shape.
#pragma once

#include <tapegrad/autograd/tensor.h>

#include <string_view>

namespace tg::optim::detail {

void check_update(std::string_view optimizer, const Tensor& param, const Tensor& grad);
// A state buffer handed to an update rule: contiguous, with param's dtype and shape.
void check_buffer(std::string_view optimizer, std::string_view name, const Tensor& buffer, const Tensor& param);

}  // namespace tg::optim::detail
