#ifndef GLASSBOX_COPENBLAS_SHIM_H
#define GLASSBOX_COPENBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
