"""The playground: a Streamlit page where a network learns a 2-D data set as you watch, with
the computation graph of a training step, the backward pass step by step, and autodiff checked
against hand-derived and numerical gradients.

    python -m demos.playground

Modules, one job each: ``settings`` (every setting, and the URL), ``data`` (data sets,
features, CSV files), ``training`` (the network and its run), ``ahead`` (training the next
redraw's epochs in a thread), ``charts`` (Vega-Lite charts), ``autodiff`` (graph, backward
tour, gradient check), ``model_file`` (download / upload), ``sidebar``, ``panels`` and ``page``
(the Streamlit page), ``app`` (the script Streamlit runs), ``driver`` (the page in Chromium, for
the browser test, the benchmark and the screenshots).
"""
