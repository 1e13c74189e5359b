package moodle

import "context"

// EventInput is one event for core_calendar_create_calendar_events.
type EventInput struct {
	Name         string `json:"name"`
	Description  string `json:"description,omitempty"`
	Format       Int    `json:"format,omitempty"`
	CourseID     Int    `json:"courseid,omitempty"`
	GroupID      Int    `json:"groupid,omitempty"`
	Repeats      Int    `json:"repeats,omitempty"`
	EventType    string `json:"eventtype,omitempty"` // user, group, course, site
	TimeStart    int64  `json:"timestart"`
	TimeDuration int64  `json:"timeduration,omitempty"`
	Visible      *int   `json:"visible,omitempty"`
	Sequence     Int    `json:"sequence,omitempty"`
}

// Event is a created calendar event.
type Event struct {
	ID           Int    `json:"id"`
	Name         string `json:"name"`
	CourseID     Int    `json:"courseid"`
	GroupID      Int    `json:"groupid"`
	UserID       Int    `json:"userid"`
	EventType    string `json:"eventtype"`
	TimeStart    Int    `json:"timestart"`
	TimeDuration Int    `json:"timeduration"`
	Visible      Bool   `json:"visible"`
}

// CreateCalendarEvents creates events; rejected ones come back as warnings.
func (c *Client) CreateCalendarEvents(ctx context.Context, events []EventInput) ([]Event, Warnings, error) {
	var out struct {
		Events   []Event  `json:"events"`
		Warnings Warnings `json:"warnings"`
	}
	if err := c.Call(ctx, fnCreateCalendarEvents, Params{"events": events}, &out); err != nil {
		return nil, nil, err
	}
	return out.Events, out.Warnings, nil
}

// MessageInput is one message for core_message_send_instant_messages.
type MessageInput struct {
	ToUserID    Int    `json:"touserid"`
	Text        string `json:"text"`
	TextFormat  Int    `json:"textformat,omitempty"`
	ClientMsgID string `json:"clientmsgid,omitempty"`
}

// SentMessage is one row of the answer; MsgID is -1 with ErrorMessage on failure.
type SentMessage struct {
	MsgID        Int    `json:"msgid"`
	ClientMsgID  string `json:"clientmsgid"`
	Text         string `json:"text"`
	TimeCreated  Int    `json:"timecreated"`
	ErrorMessage string `json:"errormessage"`
}

// SendInstantMessages sends messages from the token's user.
func (c *Client) SendInstantMessages(ctx context.Context, msgs []MessageInput) ([]SentMessage, error) {
	var out []SentMessage
	if err := c.Call(ctx, fnSendInstantMessages, Params{"messages": msgs}, &out); err != nil {
		return nil, err
	}
	return out, nil
}
