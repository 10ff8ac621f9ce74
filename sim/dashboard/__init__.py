"""The classroom dashboard: a live model beside its counterfactual twin (``live``) and the
Solara page that shows them (``app``). The one place that drives a live model for display;
nothing else imports it.
"""
