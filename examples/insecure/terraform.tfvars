rotate_data_key = false
