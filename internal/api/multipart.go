package api

import (
	"errors"
	"io"
	"mime/multipart"
)

func multipartReader(body io.Reader, boundary string) (*multipart.Reader, error) {
	if boundary == "" {
		return nil, errors.New("multipart: no boundary")
	}
	return multipart.NewReader(body, boundary), nil
}
