"""Touchpoint simulators: processes that behave like the operator's touchpoint systems.

Each simulated system (outbound call centre, SMS gateway, store pop-ups, app) runs in its
own process and speaks only HTTP to the touchpoint API with its own scoped keys. What a
customer does is drawn from the hidden ground truth of the generated data
(`cube.data.truth`), so the evaluation measures something real; customers who buy on
their own are written as a holdings delta the evaluation reads. See docs/simulators.md.
"""
