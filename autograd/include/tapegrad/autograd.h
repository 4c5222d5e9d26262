// Everything in autograd/: tensors, ops, the tape, custom functions, gradcheck.
//
//   #include <tapegrad/autograd.h>
//   tg::Tensor x = tg::randn({3}).requires_grad_(true);
//   (x * x).sum().backward();   // x.grad() == 2 * x
#pragma once

#include <tapegrad/autograd/accumulate_hook.h>
#include <tapegrad/autograd/allocator_stats.h>
#include <tapegrad/autograd/dtype.h>
#include <tapegrad/autograd/engine.h>
#include <tapegrad/autograd/error.h>
#include <tapegrad/autograd/function.h>
#include <tapegrad/autograd/grad_mode.h>
#include <tapegrad/autograd/gradcheck.h>
#include <tapegrad/autograd/io.h>
#include <tapegrad/autograd/node.h>
#include <tapegrad/autograd/ops.h>
#include <tapegrad/autograd/print.h>
#include <tapegrad/autograd/random.h>
#include <tapegrad/autograd/tensor.h>
#include <tapegrad/autograd/threads.h>
