"""Builds corpus/_kss_core (Cython): the compiled kss-mecab sentence splitter.

Everything else is configured in pyproject.toml. If the extension cannot be built or
imported, corpus.split falls back to the reference kss path and says so once.
"""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [Extension("corpus._kss_core", ["corpus/_kss_core.pyx"], extra_compile_args=["-O2"])],
        compiler_directives={"language_level": "3"},
    ),
)
