#pragma once
// tapegrad: everything in one include. Link tapegrad::tapegrad.
//   tg, tg::autograd  tensors, ops, the tape, backward, gradcheck, tensor I/O
//   tg::nn            modules, functional, init, losses, checkpoints
//   tg::optim         optimizers, schedulers, clipping
//   tg::data          datasets, loader, preprocessing, augmentation
#include <tapegrad/autograd.h>
#include <tapegrad/nn.h>
#include <tapegrad/optim.h>
#include <tapegrad/data.h>
