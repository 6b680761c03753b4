// The Deployment bodies of upstream's field validation tests
// (test/integration/apiserver/field_validation_test.go), as the parser and the HTTP tests both
// send them: unknown fields, keys repeated at two depths, the JSON and the YAML spelling.

/** Upstream's invalidBodyJSON, named name. */
export const invalidDeploymentJSON = (name: string): string => `{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": { "name": "${name}", "labels": {"app": "nginx"} },
  "spec": {
    "unknown1": "val1",
    "unknownDupe": "valDupe",
    "unknownDupe": "valDupe2",
    "paused": true,
    "paused": false,
    "selector": { "matchLabels": { "app": "nginx" } },
    "template": {
      "metadata": { "labels": { "app": "nginx" } },
      "spec": {
        "containers": [{
          "name":  "nginx",
          "image": "nginx:latest",
          "unknownNested": "val1",
          "imagePullPolicy": "Always",
          "imagePullPolicy": "Never"
        }]
      }
    }
  }
}`;

/** Upstream's invalidBodyYAML, named name (goyaml's errors name its lines). */
export const invalidDeploymentYAML = (name: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app: nginx
spec:
  unknown1: val1
  unknownDupe: valDupe
  unknownDupe: valDupe2
  paused: true
  paused: false
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:latest
        unknownNested: val1
        imagePullPolicy: Always
        imagePullPolicy: Never`;
