"""AdamW with epsilon where PyTorch, optax and Hugging Face put it.

Keras's Adam adds epsilon to the root of the *uncorrected* second moment, sqrt(v_t), and folds
the bias corrections into the step size; `torch.optim.AdamW` and `optax.adamw` add it to the
root of the bias-corrected moment, sqrt(v_t / (1 - beta_2^t)). Keras's epsilon is therefore in
effect 1 / sqrt(1 - beta_2^t) times larger: 32x at step 1, 3x at step 100, 1.4x at step 1,000
(beta_2 0.999). ELECTRA's generator gets small gradients (its MLM loss has weight 1 beside the
discriminator's 50, and the whole gradient is clipped to norm 1), small enough for epsilon
1e-6 to damp its early updates: with Keras's placement our generator learned measurably slower
than the PyTorch reference on the same records and seeds (bench/HISTORY.md, "Pretraining curves
vs the reference trainer").
"""

from __future__ import annotations

import keras
from keras import ops


class AdamW(keras.optimizers.AdamW):
    """`keras.optimizers.AdamW` with epsilon added to sqrt(bias-corrected v), as
    `torch.optim.AdamW`; weight decay, clipping and schedules are Keras's, unchanged."""

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        step = ops.cast(self.iterations + 1, dtype)
        beta_1_power = ops.power(ops.cast(self.beta_1, dtype), step)
        beta_2_power = ops.power(ops.cast(self.beta_2, dtype), step)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2))
        # m_hat / (sqrt(v_hat) + eps) == m * c / (sqrt(v) + eps * sqrt(1 - beta_2^t)),
        # with c = sqrt(1 - beta_2^t) / (1 - beta_1^t) as in Keras's own update.
        correction = ops.sqrt(1 - beta_2_power)
        alpha = lr * correction / (1 - beta_1_power)
        self.assign_sub(
            variable,
            ops.divide(ops.multiply(m, alpha), ops.add(ops.sqrt(v), self.epsilon * correction)),
        )
