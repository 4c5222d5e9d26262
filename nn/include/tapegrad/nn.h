// Everything in nn/: modules, layers, initialisation, losses, checkpoints (namespace tg::nn).
#pragma once

#include <tapegrad/nn/activation.h>
#include <tapegrad/nn/batchnorm.h>
#include <tapegrad/nn/checkpoint.h>
#include <tapegrad/nn/container.h>
#include <tapegrad/nn/conv.h>
#include <tapegrad/nn/diagnostics.h>
#include <tapegrad/nn/dropconnect.h>
#include <tapegrad/nn/dropout.h>
#include <tapegrad/nn/embedding.h>
#include <tapegrad/nn/functional.h>
#include <tapegrad/nn/init.h>
#include <tapegrad/nn/layernorm.h>
#include <tapegrad/nn/linear.h>
#include <tapegrad/nn/loss.h>
#include <tapegrad/nn/max_norm.h>
#include <tapegrad/nn/module.h>
