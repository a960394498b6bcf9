// The ipywidgets embed script (@jupyter-widgets/html-manager) typesets widget labels with the
// MathJax 2 call MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]); the book loads MathJax 3,
// which has no Hub, so every labelled widget threw. Give it that one call, done the MathJax 3 way.
(function () {
  function install() {
    var mj = window.MathJax;
    if (mj && !mj.Hub) {
      mj.Hub = {
        Queue: function (job) {
          var el = job && job[2];
          if (el && window.MathJax.typesetPromise) {
            window.MathJax.typesetPromise([el]).catch(function () {});
          }
        },
      };
    }
  }
  install();
  document.addEventListener("DOMContentLoaded", install);
})();
