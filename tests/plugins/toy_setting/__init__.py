"""A setting outside the toolkit, as small as a setting can be: two coins, one pull per step.

It is the worked example of docs/architecture.md ("Adding a setting"): a problem, a learner view,
a reward kernel, a fused loop, a Gymnasium shell, one policy with its conformance check, a report
section and a registry record, registered through the ``regretlab.settings`` entry point of the
``toy_setting-0.1.dist-info`` folder beside this package. Nothing in regretlab names it.
"""
