package handlers

import "strconv"

func strconvFormat(id int64) string { return strconv.FormatInt(id, 10) }
