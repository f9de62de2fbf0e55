"""Code that several benchmarks and experiments import (none of it is run on its own, but for
`python -m bench.common.reference_trainer`): the corpus benchmarks' input, the independent
PyTorch ELECTRA trainer and its objective and evaluation, and reading records back."""
