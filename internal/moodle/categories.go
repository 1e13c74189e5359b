package moodle

import "context"

// CategoryInput is one category for core_course_create_categories.
type CategoryInput struct {
	Name              string `json:"name"`
	Parent            Int    `json:"parent,omitempty"`
	IDNumber          string `json:"idnumber,omitempty"`
	Description       string `json:"description,omitempty"`
	DescriptionFormat Int    `json:"descriptionformat,omitempty"`
	Theme             string `json:"theme,omitempty"`
}

// CategoryUpdate is one category for core_course_update_categories.
type CategoryUpdate struct {
	ID                Int     `json:"id"`
	Name              string  `json:"name,omitempty"`
	IDNumber          *string `json:"idnumber,omitempty"`
	Parent            *Int    `json:"parent,omitempty"`
	Description       *string `json:"description,omitempty"`
	DescriptionFormat Int     `json:"descriptionformat,omitempty"`
}

// CreatedCategory is one row of create_categories' answer.
type CreatedCategory struct {
	ID   Int    `json:"id"`
	Name string `json:"name"`
}

// Category is a category as returned by core_course_get_categories
// (idnumber is null for the default category: it decodes as "").
type Category struct {
	ID                Int    `json:"id"`
	Name              string `json:"name"`
	IDNumber          string `json:"idnumber"`
	Description       string `json:"description"`
	DescriptionFormat Int    `json:"descriptionformat"`
	Parent            Int    `json:"parent"`
	SortOrder         Int    `json:"sortorder"`
	CourseCount       Int    `json:"coursecount"`
	Visible           Bool   `json:"visible"`
	Depth             Int    `json:"depth"`
	Path              string `json:"path"`
	TimeModified      Int    `json:"timemodified"`
}

// CreateCategories creates categories in one call.
func (c *Client) CreateCategories(ctx context.Context, cats []CategoryInput) ([]CreatedCategory, error) {
	var out []CreatedCategory
	if err := c.Call(ctx, fnCreateCategories, Params{"categories": cats}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateCategories updates categories (Moodle answers null).
func (c *Client) UpdateCategories(ctx context.Context, cats []CategoryUpdate) error {
	return c.Call(ctx, fnUpdateCategories, Params{"categories": cats}, nil)
}

// GetCategories lists categories matching all criteria (key: id, name,
// parent, idnumber, visible, theme); subcategories adds descendants.
func (c *Client) GetCategories(ctx context.Context, criteria []KeyValue, subcategories bool) ([]Category, error) {
	params := Params{"addsubcategories": subcategories}
	if len(criteria) > 0 {
		params["criteria"] = criteria
	}
	var out []Category
	if err := c.Call(ctx, fnGetCategories, params, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// FindCategoryByIDNumber returns the category with that idnumber, or nil.
func (c *Client) FindCategoryByIDNumber(ctx context.Context, idnumber string) (*Category, error) {
	cats, err := c.GetCategories(ctx, []KeyValue{{Key: "idnumber", Value: idnumber}}, false)
	if err != nil {
		return nil, err
	}
	for i := range cats {
		if cats[i].IDNumber == idnumber {
			return &cats[i], nil
		}
	}
	return nil, nil
}
