"""The deployment of Jeugdketen: region config, the CDK stack and its constructs, and the local host."""
