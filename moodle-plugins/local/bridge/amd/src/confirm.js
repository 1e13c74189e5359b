// This file is part of Moodle - https://moodle.org/
//
// Moodle is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// Moodle is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with Moodle.  If not, see <https://www.gnu.org/licenses/>.

/**
 * Asks before a destructive form of the bridge's blocks is sent (trash, archive, enrolment removing the absent), in a
 * Moodle modal: core/modal_save_cancel from Moodle 4.3, core/modal_factory's SAVE_CANCEL type before. Confirming
 * sends the form with its data-local-bridge-confirm-field set to 1 (the server then skips its own confirmation
 * page); Cancel sends nothing. Without JavaScript the form goes to the server's confirmation page as before.
 *
 * A form opts in with data-local-bridge-confirm (the question), data-local-bridge-confirm-title and
 * data-local-bridge-confirm-yes (the button's label).
 *
 * Written as an AMD module (no build step needed); amd/build/confirm.min.js is the same code, minified by hand.
 *
 * @module     local_bridge/confirm
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
define([], function() {
    /**
     * An ES module built by Moodle's grunt is an exports object; an older AMD module is the value itself.
     *
     * @param {Object} mod Module as require() gives it.
     * @return {Object}
     */
    var value = function(mod) {
        return mod && mod.default ? mod.default : mod;
    };

    /**
     * Opens the modal for a form.
     *
     * @param {HTMLFormElement} form The form to send when confirmed.
     * @param {boolean} savecancel Use core/modal_save_cancel (Moodle 4.3 and later).
     */
    var ask = function(form, savecancel) {
        var title = form.getAttribute('data-local-bridge-confirm-title') || '';
        var body = form.getAttribute('data-local-bridge-confirm') || '';
        var yes = form.getAttribute('data-local-bridge-confirm-yes') || title;
        var confirmed = function() {
            var field = form.getAttribute('data-local-bridge-confirm-field');
            if (field) {
                var input = document.createElement('input');
                input.type = 'hidden';
                input.name = field;
                input.value = '1';
                form.appendChild(input);
            }
            form.setAttribute('data-local-bridge-confirmed', '1');
            // A button's own name/value is not sent by submit(): none of these forms relies on one.
            form.submit();
        };
        var modules = savecancel ? ['core/modal_save_cancel', 'core/modal_events']
            : ['core/modal_factory', 'core/modal_events'];
        require(modules, function(factory, events) {
            factory = value(factory);
            events = value(events);
            var created = savecancel
                ? factory.create({title: title, body: body, buttons: {save: yes}, removeOnClose: true})
                : factory.create({type: factory.types.SAVE_CANCEL, title: title, body: body});
            created.then(function(modal) {
                if (!savecancel) {
                    modal.setSaveButtonText(yes);
                    modal.getRoot().on(events.hidden, function() {
                        modal.destroy();
                    });
                }
                modal.getRoot().on(events.save, confirmed);
                modal.show();
                return modal;
            }).catch(function() {
                // No modal (a module failed to load): the server's confirmation page asks instead.
                form.submit();
            });
        });
    };

    return {
        /**
         * Intercepts the submission of every opted-in form of the page.
         *
         * @param {boolean} savecancel Use core/modal_save_cancel (Moodle 4.3 and later).
         */
        init: function(savecancel) {
            var forms = document.querySelectorAll('form[data-local-bridge-confirm]');
            for (var i = 0; i < forms.length; i++) {
                if (forms[i].getAttribute('data-local-bridge-confirm-ready')) {
                    continue;
                }
                forms[i].setAttribute('data-local-bridge-confirm-ready', '1');
                forms[i].addEventListener('submit', function(e) {
                    e.preventDefault();
                    ask(e.currentTarget, !!savecancel);
                });
            }
        }
    };
});
