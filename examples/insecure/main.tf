# A small module with the KMS hygiene mistakes kmslint catches.

resource "aws_kms_key" "logs" {
  description = "CloudWatch Logs encryption"
}

resource "aws_kms_key" "data" {
  description         = "data at rest"
  enable_key_rotation = var.rotate_data_key
}

resource "aws_kms_key" "signing" {
  # Asymmetric keys cannot rotate automatically: not reported.
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
}

resource "aws_config_configuration_recorder" "main" {
  name     = "main"
  role_arn = "arn:aws:iam::111122223333:role/config"

  recording_group {
    all_supported  = false
    resource_types = ["AWS::EC2::Volume", "AWS::S3::Bucket"]
  }
}
