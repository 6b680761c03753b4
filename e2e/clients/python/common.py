"""Shared by the client scripts: the API client from a kubeconfig file, and JSON on stdout."""
import json
import sys

from kubernetes import client, config


def core_v1(kubeconfig):
    """A CoreV1Api for the cluster in this kubeconfig (its current context)."""
    return client.CoreV1Api(config.new_client_from_config(config_file=kubeconfig))


def api_client(kubeconfig):
    return config.new_client_from_config(config_file=kubeconfig)


def emit(result):
    """The script's result, one JSON document on stdout, for the TypeScript test to assert on."""
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()
