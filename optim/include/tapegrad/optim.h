#pragma once
// Gathers the public headers of namespace tg::optim: optimizers (SGD, Adagrad, RMSprop, Adam, AdamW,
// and the base for writing your own), learning-rate schedulers and gradient clipping.
//
//   tg::optim::AdamW opt(params, {.lr = 3e-4, .weight_decay = 0.05});
//   tg::optim::OneCycleLR sched(opt, {.max_lr = 3e-3, .total_steps = 10'000});
//   // per batch: opt.zero_grad(); loss.backward(); tg::optim::clip_grad_norm_(opt.params(), 1.0);
//   //            opt.step(); sched.step();
#include <tapegrad/optim/adagrad.h>
#include <tapegrad/optim/adam.h>
#include <tapegrad/optim/adamw.h>
#include <tapegrad/optim/clip_grad.h>
#include <tapegrad/optim/ema.h>
#include <tapegrad/optim/lr_scheduler.h>
#include <tapegrad/optim/optimizer.h>
#include <tapegrad/optim/reduce_lr_on_plateau.h>
#include <tapegrad/optim/rmsprop.h>
#include <tapegrad/optim/sgd.h>
