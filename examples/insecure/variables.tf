variable "rotate_data_key" {
  type    = bool
  default = true
}
