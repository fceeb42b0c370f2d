"""The simulated world the grader runs a learner's pipeline against.

Everything here stands in for something that cannot run offline on a learner's machine:
the remote GitHub Actions (`actions/`), the AWS cloud (`aws/`: moto or LocalStack), the
Terraform providers (`terraform/`), the Kubernetes cluster and its ingress (`cluster/`),
EC2 instances (`vm/`), the image registry (`registry.py`) and the Python base image
(`base_image.py`). Each keeps the real thing's interface and is named as a stand-in wherever
a user sees results. The grader itself (`harness/`) starts these as services and judges
what the learner's pipeline did to them; nothing here grades.
"""
