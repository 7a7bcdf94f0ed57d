package http

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/liveblog/liveblog"
	"github.com/liveblog/liveblog/media"
)

// maxUploadBytes is the largest image accepted (see media.MaxBytes).
const maxUploadBytes = media.MaxBytes

// uploadImage stores an image from the composer. The body is the file
// itself, its type in Content-Type, so nothing is buffered but the image;
// what it is, though, is decided by its contents (see package media), never
// by its name or declared type.
func (s *Server) uploadImage(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	if err := authorize(r, liveblog.ActionUploadMedia, nil); err != nil {
		return err
	}
	if s.cfg.MediaDir == "" {
		return liveblog.Errorf(liveblog.ENOTFOUND, "This instance has no media directory, so it cannot take uploads.")
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, media.MaxBytes+1))
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok || len(data) > media.MaxBytes {
		return &liveblog.Error{Code: liveblog.ETOOLARGE, Field: "image",
			Message: fmt.Sprintf("The image is larger than %d MiB; export it smaller and upload again.", media.MaxBytes>>20)}
	} else if err != nil {
		return liveblog.Errorf(liveblog.EINVALID, "The upload was cut short; try again.")
	}
	if len(data) == 0 {
		return liveblog.FieldError("image", "The upload is empty.")
	}
	// Decoding takes memory in proportion to the pixels (see desk.heavy).
	release, err := s.desk.heavy.acquire(r.Context(), media.DecodeCost(data))
	if err != nil {
		return err
	}
	img, err := (&media.Library{Dir: s.cfg.MediaDir}).Save(data)
	release()
	if err != nil {
		return err
	}
	a := write.Audit
	s.recordAudit(r.Context(), &a)
	return writeJSON(w, http.StatusCreated, img)
}

// captureEmbed fetches what the facade of a pasted provider address shows,
// for the composer to fill in before publishing; the journalist may correct
// it there. It stores the thumbnail, so it is allowed to whoever may upload.
func (s *Server) captureEmbed(w http.ResponseWriter, r *http.Request, write liveblog.Write) error {
	if err := authorize(r, liveblog.ActionUploadMedia, nil); err != nil {
		return err
	}
	var req struct {
		URL string `json:"url"`
	}
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := liveblog.ValidateLink("url", req.URL, false); err != nil {
		return err
	}
	if p, _ := liveblog.RecognizeEmbed(req.URL); p == nil {
		return liveblog.FieldError("url", "This is not the address of a post, video or chart of a known provider; it is shown as a link card.")
	}
	if s.cfg.Captures == nil {
		return liveblog.Errorf(liveblog.ENOTFOUND, "This instance does not capture embeds.")
	}
	c, err := s.cfg.Captures.Capture(r.Context(), req.URL)
	if err != nil {
		s.logger.Info("embed capture for the desk failed", "url", req.URL, "err", err)
		return liveblog.FieldError("url", "The provider did not answer. Publish anyway: the post is captured again after it goes out.")
	}
	a := write.Audit
	s.recordAudit(r.Context(), &a)
	return writeJSON(w, http.StatusOK, c)
}
