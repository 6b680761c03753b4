"""kubernetes.utils.create_from_yaml of a multi-document YAML file.

usage: create_from_yaml.py KUBECONFIG NAMESPACE FILE
Prints the kind and name of every object created, in order.
"""
import sys

from kubernetes import utils

from common import api_client, emit


def main():
    kubeconfig, namespace, path = sys.argv[1:4]
    created = utils.create_from_yaml(api_client(kubeconfig), path, namespace=namespace)
    emit({"created": [{"kind": obj.kind, "name": obj.metadata.name} for group in created for obj in group]})


if __name__ == "__main__":
    main()
