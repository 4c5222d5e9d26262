// Every op of the autograd library.
#pragma once

#include <tapegrad/autograd/ops/conv.h>
#include <tapegrad/autograd/ops/creation.h>
#include <tapegrad/autograd/ops/elementwise.h>
#include <tapegrad/autograd/ops/index.h>
#include <tapegrad/autograd/ops/linalg.h>
#include <tapegrad/autograd/ops/loss.h>
#include <tapegrad/autograd/ops/normalization.h>
#include <tapegrad/autograd/ops/reduce.h>
#include <tapegrad/autograd/ops/shape.h>
