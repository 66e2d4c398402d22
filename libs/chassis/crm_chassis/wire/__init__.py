"""Wire conventions shared by every service's gRPC adapters and the CLI: Money, decimal strings
and enums between their protobuf form and the form the domain uses. One error message each."""
