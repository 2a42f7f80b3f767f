"""In-place optimizer update kernels: one fused loop per optimizer, no temporaries.

Each kernel takes the variable and slot buffers flattened to 1-D (C-contiguous views of the
Session's buffers) and updates them in place.  Scalars arrive already converted to the variable's
dtype (float32 math stays float32: no Python float literals inside the loops, which would promote
to float64); derived scalars such as ``1 - rho`` are computed by the caller in that dtype, in the
order TF's Eigen expressions use.  The gradient element is loaded first in every iteration, so a
gradient that aliases the variable (``stop_gradient(w)`` as gradient) still reads the old value.
"""

from __future__ import annotations

import numpy as np

from graphflow.kernels.jit import kernel
from graphflow.runtime import threads as _threads

# Elements of an update below which it runs on one thread (measured: a 3.2M-element Adam takes
# about 1.9 ms on one core; elements are independent, so slices give the same bits).
_PAR_ELEMS = 1 << 16


@kernel
def apply_gradient_descent(var, alpha, delta):
    """var -= delta * alpha."""
    for i in range(var.size):
        var[i] -= delta[i] * alpha


@kernel
def apply_momentum(var, accum, lr, grad, momentum, use_nesterov):
    """accum = accum * momentum + grad; var -= accum * lr (Nesterov: grad * lr + accum * momentum * lr)."""
    for i in range(var.size):
        g = grad[i]
        a = accum[i] * momentum + g
        accum[i] = a
        if use_nesterov:
            var[i] -= g * lr + a * momentum * lr
        else:
            var[i] -= a * lr


@kernel
def apply_adagrad(var, accum, lr, grad, one, update_slots):
    """accum += grad^2; var -= grad * lr * rsqrt(accum)."""
    for i in range(var.size):
        g = grad[i]
        a = accum[i]
        if update_slots:
            a = a + g * g
            accum[i] = a
        var[i] -= g * lr * (one / np.sqrt(a))


@kernel
def apply_adadelta(var, accum, accum_update, lr, rho, one_minus_rho, epsilon, grad, one):
    """Adadelta (Zeiler 2012) as TF's ApplyAdadelta."""
    for i in range(var.size):
        g = grad[i]
        a = accum[i] * rho + g * g * one_minus_rho
        accum[i] = a
        u = np.sqrt(accum_update[i] + epsilon) * (one / np.sqrt(a + epsilon)) * g
        var[i] -= u * lr
        accum_update[i] = accum_update[i] * rho + u * u * one_minus_rho


@kernel
def apply_rms_prop(var, ms, mom, lr, one_minus_rho, momentum, epsilon, grad):
    """ms += (grad^2 - ms) * (1 - rho); mom = mom * momentum + grad * lr / sqrt(ms + eps); var -= mom."""
    for i in range(var.size):
        g = grad[i]
        m = ms[i] + (g * g - ms[i]) * one_minus_rho
        ms[i] = m
        mo = mom[i] * momentum + (g * lr) / np.sqrt(m + epsilon)
        mom[i] = mo
        var[i] -= mo


@kernel
def apply_centered_rms_prop(var, mg, ms, mom, lr, one_minus_rho, momentum, epsilon, grad):
    """Centered RMSProp: the denominator uses ms - mg^2 (mg: running mean of the gradient)."""
    for i in range(var.size):
        g = grad[i]
        m = ms[i] + (g * g - ms[i]) * one_minus_rho
        ms[i] = m
        mgi = mg[i] + (g - mg[i]) * one_minus_rho
        mg[i] = mgi
        denom = (m - mgi * mgi) + epsilon
        mo = mom[i] * momentum + (g * lr) / np.sqrt(denom)
        mom[i] = mo
        var[i] -= mo


@kernel
def _apply_adam(var, m, v, alpha, beta1, one_minus_beta1, one_minus_beta2, epsilon, grad, use_nesterov):
    """m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); var -= m * alpha / (sqrt(v) + eps)."""
    for i in range(var.size):
        g = grad[i]
        mi = m[i] + (g - m[i]) * one_minus_beta1
        m[i] = mi
        vi = v[i] + (g * g - v[i]) * one_minus_beta2
        v[i] = vi
        if use_nesterov:
            var[i] -= ((g * one_minus_beta1 + beta1 * mi) * alpha) / (np.sqrt(vi) + epsilon)
        else:
            var[i] -= (mi * alpha) / (np.sqrt(vi) + epsilon)


def apply_adam(var, m, v, alpha, beta1, one_minus_beta1, one_minus_beta2, epsilon, grad, use_nesterov):
    """``_apply_adam`` on contiguous slices over the session's threads when large (same bits)."""
    size = var.size
    nt = _threads.workers(size, _PAR_ELEMS)
    if nt < 2:
        _apply_adam(var, m, v, alpha, beta1, one_minus_beta1, one_minus_beta2, epsilon, grad, use_nesterov)
        return

    def part(t):
        a, b = size * t // nt, size * (t + 1) // nt
        _apply_adam(var[a:b], m[a:b], v[a:b], alpha, beta1, one_minus_beta1, one_minus_beta2, epsilon,
                    grad[a:b], use_nesterov)

    _threads.run_workers(nt, part)


@kernel
def apply_ftrl(
    var, accum, linear, grad, lr, l1, two_l2, two_l2_shrinkage, neg_lr_power, shrinkage, half_power
):
    """FTRL-proximal (McMahan et al. 2013) as TF's ApplyFtrl / ApplyFtrlV2 (``shrinkage``)."""
    for i in range(var.size):
        g = grad[i]
        w = var[i]
        a = accum[i]
        gs = g + two_l2_shrinkage * w if shrinkage else g
        na = a + g * g
        if half_power:
            pa = np.sqrt(na)
            lin = linear[i] + (gs - (pa - np.sqrt(a)) / lr * w)
        else:
            pa = na**neg_lr_power
            lin = linear[i] + (gs - (pa - a**neg_lr_power) / lr * w)
        linear[i] = lin
        if abs(lin) > l1:
            x = l1 * np.sign(lin) - lin
            y = pa / lr + two_l2
            var[i] = x / y
        else:
            var[i] = l1 - l1
        accum[i] = na


@kernel
def apply_proximal_gradient_descent(var, alpha, l1, lr_l1, denom, delta):
    """FOBOS: prox = var - delta * alpha; var = sign(prox) max(|prox| - alpha l1, 0) / (1 + l2 alpha)."""
    for i in range(var.size):
        p = var[i] - delta[i] * alpha
        if l1 > 0:
            d = abs(p) - lr_l1
            if d < 0:
                d = d - d
            var[i] = np.sign(p) * d / denom
        else:
            var[i] = p / denom


@kernel
def apply_proximal_adagrad(var, accum, lr, l1, l2, grad, one):
    """FOBOS with Adagrad's per-coordinate rate lr * rsqrt(accum)."""
    for i in range(var.size):
        g = grad[i]
        a = accum[i] + g * g
        accum[i] = a
        rate = lr * (one / np.sqrt(a))
        p = var[i] - g * rate
        if l1 > 0:
            d = abs(p) - rate * l1
            if d < 0:
                d = d - d
            var[i] = np.sign(p) * d / (one + l2 * rate)
        else:
            var[i] = p / (one + l2 * rate)
